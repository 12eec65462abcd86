#!/usr/bin/env bats
# chatctl as a CO uses it, against a real chatd.

load helpers

setup() { setup_chatd; }
teardown() { teardown_chatd; }

@test "start prints the chat id and a guest link" {
    run "$CHATCTL" start --user alice --email alice@example.org --rt 12345
    assert_success
    assert_line --index 0 "Chat 1 started for alice <alice@example.org> (RT #12345)."
    assert_line --index 1 --regexp '^Guest link, valid until 20[0-9-]+ [0-9:]+ '
    assert_line --index 2 --regexp '^  https://chat\.example\.org/c/[A-Za-z0-9_-]{43}$'
}

@test "start --json gives scripts the chat and the link" {
    run "$CHATCTL" start --user bob --json
    assert_success
    echo "$output" | grep -Eq '"url":"https://chat\.example\.org/c/[A-Za-z0-9_-]{43}"'
    echo "$output" | grep -q '"state":"invited"'
    echo "$output" | grep -q '"user":"bob"'
}

@test "the guest token is never stored, only its hash" {
    run "$CHATCTL" start --user alice --json
    token=$(echo "$output" | grep -Eo '/c/[A-Za-z0-9_-]{43}' | cut -c4-)
    [[ ${#token} -eq 43 ]]
    run sqlite3 "$STATE/rtchat.db" "SELECT count(*) FROM guest_links WHERE length(token_hash) = 32"
    assert_output 1
    run grep -ac -- "$token" "$STATE"/rtchat.db*
    assert_failure
}

@test "say, show, list and close work as a CO" {
    id=$(new_chat)
    run "$CHATCTL" say "$id" "Hello, how can I help?"
    assert_success
    assert_output ""
    run "$CHATCTL" say "$id" two words joined
    assert_success
    run "$CHATCTL" show "$id"
    assert_success
    assert_line --index 0 "Chat $id with alice"
    assert_line --partial "state:   invited"
    assert_line --regexp "^\[[0-9]{2}:[0-9]{2}\] root: Hello, how can I help\?$"
    assert_line --regexp "root: two words joined$"
    run "$CHATCTL" list
    assert_success
    assert_line --index 0 --regexp '^ +ID +STATE +USER +TICKET +MSGS +LAST ACTIVITY +CO$'
    assert_line --index 1 --regexp "^ +$id +invited +alice +- +2 +"
    run "$CHATCTL" close "$id" --summary "Reset the password; user can log in again."
    assert_success
    assert_output "Chat $id closed (2 messages)."
    run "$CHATCTL" show "$id"
    assert_line --partial "state:   closed"
    assert_line --partial "summary: Reset the password; user can log in again."
    run "$CHATCTL" list
    assert_output "No open chats."
    run "$CHATCTL" list --all --json
    echo "$output" | grep -q '"state":"closed"'
}

@test "a closed chat refuses messages with exit 6" {
    id=$(new_chat)
    "$CHATCTL" close "$id"
    run "$CHATCTL" say "$id" "too late"
    assert_failure 6
    assert_output "chatctl: chat $id is closed; it takes no more messages"
    run "$CHATCTL" close "$id"
    assert_failure 6
    assert_output "chatctl: chat $id is already closed"
}

@test "an unknown chat is exit 5" {
    run "$CHATCTL" show 999
    assert_failure 5
    assert_output "chatctl: no chat 999"
    run "$CHATCTL" say 999 hello
    assert_failure 5
}

@test "usage errors are exit 2" {
    run "$CHATCTL" say 1
    assert_failure 2
    run "$CHATCTL" start
    assert_failure 2
    assert_output --partial "--user (or --rt with a ticket) is required"
    run "$CHATCTL" show abc
    assert_failure 2
    run "$CHATCTL" frobnicate
    assert_failure 2
}

@test "bad input is refused with exit 7 and nothing is stored" {
    id=$(new_chat)
    run "$CHATCTL" say "$id" "$(head -c 9000 /dev/zero | tr '\0' x)"
    assert_failure 7
    assert_output "chatctl: message is 9000 bytes; the limit is 8192"
    run "$CHATCTL" say "$id" "$(printf 'bad \xff\xfe bytes')"
    assert_failure 7
    assert_output "chatctl: the text is not valid UTF-8; check its encoding"
    run "$CHATCTL" say "$id" "$(printf 'escape \033[2J')"
    assert_failure 7
    assert_output "chatctl: message contains control characters"
    run "$CHATCTL" start --user alice --email "not-an-address"
    assert_failure 7
    run "$CHATCTL" show "$id" --json
    echo "$output" | grep -q '"messages":\[\]'
}

@test "markup a user types is stored and shown as text" {
    id=$(new_chat)
    run "$CHATCTL" say "$id" '<img src=x onerror=alert(1)> & "quotes"'
    assert_success
    run "$CHATCTL" show "$id"
    assert_line --regexp 'root: <img src=x onerror=alert\(1\)> & "quotes"$'
}

@test "chatd not running is exit 3 with a hint" {
    chatd_stop
    run "$CHATCTL" list
    assert_failure 3
    assert_output "chatctl: cannot connect to chatd at $STATE/chatd.sock: No such file or directory; is chatd running? (systemctl status chatd)"
}

@test "a user outside the CO group is refused with exit 4" {
    id=$(new_chat)
    for cmd in "list" "show $id" "say $id hi" "close $id" "link $id" "start --user mallory" "status"; do
        run chatctl_as_nobody $cmd
        assert_failure 4
        assert_output "chatctl: not authorised: nobody (uid 65534) is not a CO; only root and members of group 'users' may use chatd"
    done
    run "$CHATCTL" show "$id" --json
    echo "$output" | grep -q '"messages":\[\]'
    echo "$output" | grep -q '"state":"invited"'
}

@test "a member of the CO group may use chatctl" {
    run chatctl_as_nobody --groups users start --user carol
    assert_success
    assert_line --index 0 "Chat 1 started for carol."
    run chatctl_as_nobody --groups users say 1 "hello from nobody"
    assert_success
    run "$CHATCTL" show 1
    assert_line --regexp "nobody: hello from nobody$"
    assert_line --partial "started: "
    assert_line --partial "by nobody"
}

@test "a socket that cannot be opened is exit 3" {
    chmod 0600 "$STATE/chatd.sock"
    run chatctl_as_nobody list
    assert_failure 3
    assert_output --partial "Permission denied"
}

@test "link mints a new link and the old one stops counting" {
    id=$(new_chat)
    run "$CHATCTL" link "$id" --json
    assert_success
    echo "$output" | grep -Eq '"url":"https://chat\.example\.org/c/[A-Za-z0-9_-]{43}"'
    run sqlite3 "$STATE/rtchat.db" "SELECT count(*) FROM guest_links WHERE chat_id = $id AND revoked_at IS NULL"
    assert_output 1
    run sqlite3 "$STATE/rtchat.db" "SELECT count(*) FROM guest_links WHERE chat_id = $id"
    assert_output 2
}

@test "status shows chatd and the chats by state" {
    new_chat >/dev/null
    run "$CHATCTL" status
    assert_success
    assert_line --regexp '^chatd [0-9.]+ \(pid [0-9]+\), up [0-9]+s$'
    assert_line "  chats:   invited=1"
    assert_line "  you: root (CO)"
    run "$CHATCTL" status --json
    echo "$output" | grep -q '"store":"'"$STATE"'/rtchat.db"'
}

@test "join shows the backlog and live messages, and sends what is typed" {
    id=$(new_chat)
    "$CHATCTL" say "$id" "before join"
    mkfifo "$STATE/in"
    "$CHATCTL" join "$id" <"$STATE/in" >"$STATE/out" 2>&1 &
    joiner=$!
    exec 7>"$STATE/in"
    for _ in $(seq 1 200); do grep -q "before join" "$STATE/out" && break; sleep 0.02; done
    "$CHATCTL" say "$id" "from another CO"
    echo "typed in join" >&7
    echo "//slash at the start" >&7
    echo "/close solved in join" >&7
    exec 7>&-
    wait "$joiner"
    run cat "$STATE/out"
    assert_line --index 0 "Chat $id with alice"
    assert_line --regexp "root: before join$"
    assert_line --regexp "root: from another CO$"
    assert_line --regexp "root: typed in join$"
    assert_line --regexp "root: /slash at the start$"
    assert_line "-- chat $id is now closed (by root)"
    run "$CHATCTL" show "$id"
    assert_line --partial "summary: solved in join"
}

@test "join on a closed chat shows it and exits 6" {
    id=$(new_chat)
    "$CHATCTL" say "$id" "last words"
    "$CHATCTL" close "$id"
    run "$CHATCTL" join "$id" </dev/null
    assert_failure 6
    assert_line --regexp "root: last words$"
}

@test "SIGKILL during a burst of say loses no acknowledged message" {
    id=$(new_chat)
    : >"$STATE/acked"
    (
        for i in $(seq 1 400); do
            "$CHATCTL" say "$id" "burst $i" 2>/dev/null && echo "burst $i" >>"$STATE/acked"
        done
    ) &
    burst=$!
    for _ in $(seq 1 500); do [[ $(wc -l <"$STATE/acked") -ge 50 ]] && break; sleep 0.01; done
    kill -KILL "$(cat "$STATE/chatd.pid")"
    wait "$burst" || true
    acked=$(wc -l <"$STATE/acked")
    [[ $acked -ge 50 && $acked -lt 400 ]]
    chatd_start
    "$CHATCTL" show "$id" --json >"$STATE/shown"
    while read -r line; do
        grep -q "\"body\":\"$line\"" "$STATE/shown" || { echo "lost: $line"; return 1; }
    done <"$STATE/acked"
    run "$CHATCTL" say "$id" "after the restart"
    assert_success
}

@test "chatd refuses to start twice on one socket" {
    run "$CHATD" -c "$RTCHAT_CONFIG"
    assert_failure 1
    assert_output --partial "another chatd is already serving $STATE/chatd.sock; stop it first"
    run "$CHATCTL" status
    assert_success
}

@test "--check-config names the file, line and key of a mistake" {
    run "$CHATD" -c "$RTCHAT_CONFIG" --check-config
    assert_success
    assert_output "configuration OK: $RTCHAT_CONFIG"
    printf '[chatd]\nsocket = /tmp/x\nmax_clients = many\n' >"$STATE/bad.conf"
    run "$CHATD" -c "$STATE/bad.conf" --check-config
    assert_failure 2
    assert_output "chatd: $STATE/bad.conf:3: [chatd] max_clients = 'many': expected a whole number"
    run "$CHATCTL" -c "$STATE/bad.conf" list
    assert_failure 2
}
