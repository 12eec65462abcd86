#!/usr/bin/env bats
# chatctl start --rt N against real RT servers (tests/rt/bed): the ticket
# says who the chat is for, and its link reaches them as a reply on that
# ticket; the transcript then lands in the same ticket.

load helpers

setup() {
    export RTCHAT_SHARE_DIR=$RTCHAT_SOURCE_DIR TZ=UTC
    setup_chatd
    install -m 0600 "$RT5_BOT_TOKEN_FILE" "$STATE/rt5.token"
    install -m 0600 "$RT_BOT_PASSWORD_FILE" "$STATE/bot.password"
    # chatd reads the RT systems when it starts.
    cat >>"$RTCHAT_CONFIG" <<CONF
[chat2rt]
default_rt = five
[rt.five]
backend = rest2
url = $RT5_URL
auth = token
token_file = $STATE/rt5.token
queue = Chat
allowed_queues = General, Chat
[rt.four]
backend = rest1
url = $RT4_URL
auth = basic
user = $RT_BOT_USER
password_file = $STATE/bot.password
queue = Chat
CONF
    chatd_stop
    chatd_start
}

teardown() {
    teardown_chatd
    "$RTCHAT_SOURCE_DIR/tests/rt/bed" start-rt5 >/dev/null 2>&1 3>&- || true
}

# The text of the correspondence transactions on an RT 5 ticket.
replies5() {
    for t in $(rest2 "ticket/$1/history?fields=Type&per_page=100" | jq -r '.items[] | select(.Type == "Correspond") | .id'); do
        rest2 "transaction/$t/attachments?fields=Content,ContentType" |
            jq -r '.items[] | select(.ContentType == "text/plain") | .Content'
    done
}
no_chats() { [ "$("$CHATCTL" list --json | jq '.chats | length')" = 0 ]; }

@test "RT 5: the ticket's requestor gets the link as a reply; the transcript lands in the same ticket" {
    ticket=$(bed ticket5 Chat zoe@example.org "Printer on floor 3 jams")
    run "$CHATCTL" start --rt "$ticket"
    assert_success
    assert_line "Chat 1 started for zoe@example.org (RT #$ticket)."
    assert_line "Ticket:  #$ticket \"Printer on floor 3 jams\", queue Chat, new"
    assert_line --partial "The link went to zoe@example.org as a reply on the ticket"
    url=$(echo "$output" | grep -oE 'https://chat.example.org/c/[A-Za-z0-9_-]+')
    run replies5 "$ticket"
    assert_line "  $url"
    assert_line --partial "would like to chat with you about your request"
    assert_line --partial "\"Printer on floor 3 jams\" (ticket #$ticket)"
    run "$CHATCTL" show 1
    assert_line "  ticket:  RT #$ticket \"Printer on floor 3 jams\" (Chat, new)"
    assert_line "           $RT5_URL/Ticket/Display.html?id=$ticket"
    "$CHATCTL" say 1 "Hello from IT" >/dev/null
    "$CHATCTL" close 1 --summary "Jam cleared." >/dev/null
    run "$CHAT2RT" --once
    assert_success
    assert_output --partial "event=transcript_delivered chat=1 target=rt:five ticket=$ticket"
}

@test "several requestors: the error lists them, and --email picks one" {
    ticket=$(curl -sf -u root:password -H 'Content-Type: application/json' "$RT5_URL/REST/2.0/ticket" \
        -d '{"Queue":"Chat","Requestor":["ann@example.org","bob@example.org"],"Subject":"Shared printer"}' | jq -r .id)
    run "$CHATCTL" start --rt "$ticket"
    assert_failure 7
    assert_output "chatctl: ticket $ticket has 2 requestors; choose one with --email: ann@example.org, bob@example.org"
    no_chats
    run "$CHATCTL" start --rt "$ticket" --email carol@example.org
    assert_failure 7
    assert_output --partial "carol@example.org is not a requestor of ticket $ticket; its requestors: ann@example.org, bob@example.org"
    run "$CHATCTL" start --rt "$ticket" --email BOB@example.org --no-send
    assert_success
    assert_line "Chat 1 started for bob@example.org (RT #$ticket)."
    assert_line --partial "Guest link, valid until"
    run replies5 "$ticket"
    refute_output --partial "chat.example.org/c/"
}

@test "an unknown ticket, a queue that may not chat, RT down: a clear error and no chat" {
    run "$CHATCTL" start --rt 999999
    assert_failure 5
    assert_output "chatctl: ticket 999999 does not exist in RT five"
    triage=$(bed ticket5 Triage zoe@example.org "Not for chats")
    run "$CHATCTL" start --rt "$triage"
    assert_failure 7
    assert_output --partial "ticket $triage is in queue Triage, which may not have chats ([rt.five] allowed_queues)"
    "$RTCHAT_SOURCE_DIR/tests/rt/bed" stop-rt5 >/dev/null 2>&1 3>&-
    run "$CHATCTL" start --rt "$triage"
    assert_failure 1
    assert_output --partial "RT five could not be asked about ticket $triage"
    assert_output --partial "Couldn't connect to server"
    no_chats
}

@test "RT 4 over REST 1.0: the same, with the reply recorded on the RT 4 ticket" {
    ticket=$(bed ticket4 Chat zoe@example.org "Wi-Fi drops (RT 4)")
    run "$CHATCTL" start --rt "$ticket" --rt-system four
    assert_success
    assert_line "Chat 1 started for zoe@example.org (RT #$ticket)."
    url=$(echo "$output" | grep -oE 'https://chat.example.org/c/[A-Za-z0-9_-]+')
    run rest1_rt4 "ticket/$ticket/history?format=l"
    assert_output --partial "Type: Correspond"
    assert_output --partial "$url"
}

@test "a requestor with a site login signs in to chat: no guest link, the reply points at /my/" {
    sed -i 's/^allowed_queues = General, Chat$/allowed_queues = General, Chat\nsite_logins = yes/' "$RTCHAT_CONFIG"
    chatd_stop
    chatd_start
    # An RT user whose name is a login (as with single sign-on), with an address.
    curl -s -u root:password -H 'Content-Type: application/json' "$RT5_URL/REST/2.0/user" \
        -d '{"Name":"zlogin","EmailAddress":"zoe.login@example.org","RealName":"Zoë Login"}' >/dev/null
    ticket=$(bed ticket5 Chat zoe.login@example.org "VPN certificate expired")
    run "$CHATCTL" start --rt "$ticket"
    assert_success
    assert_line "Chat 1 started for zlogin <zoe.login@example.org> (RT #$ticket)."
    assert_line "Access:  site login zlogin"
    assert_line "  https://chat.example.org/my/"
    run replies5 "$ticket"
    assert_line "Hello Zoë Login,"
    assert_line "Sign in as zlogin with your usual account here, and open the chat"
    refute_output --partial "chat.example.org/c/"
    [ "$(sqlite3 "$STATE/rtchat.db" "SELECT count(*) FROM guest_links WHERE chat_id = 1")" = 0 ]
}

@test "share_link = both: the link is a reply on the ticket and a mail in the requestor's own mailbox" {
    sed -i "s|^allowed_queues = General, Chat\$|allowed_queues = General, Chat\nshare_link = both\nsmtp_url = $SMTP_URL|" "$RTCHAT_CONFIG"
    chatd_stop
    chatd_start
    user=mail-$RANDOM@example.org
    ticket=$(bed ticket5 Chat "$user" "Laptop will not boot")
    run "$CHATCTL" start --rt "$ticket"
    assert_success
    assert_line --partial "The link went to $user as a reply on the ticket and by mail"
    url=$(echo "$output" | grep -oE 'https://chat.example.org/c/[A-Za-z0-9_-]+')
    run replies5 "$ticket"
    assert_line "  $url"
    run tr -d '\r' <"$MAILBOXES/$user"
    assert_line "  $url"
    assert_line --regexp "^Subject: =\?UTF-8\?B\?|^Subject: Chat with IT support: Laptop will not boot"
    assert_line "From: rtchat@localhost"
}

@test "share_link = mail with the mail server refusing: the chat stands, the CO is told and gets the link" {
    sed -i "s|^allowed_queues = General, Chat\$|allowed_queues = General, Chat\nshare_link = mail\nsmtp_url = smtp://127.0.0.1:2599|" "$RTCHAT_CONFIG"
    chatd_stop
    chatd_start
    ticket=$(bed ticket5 Chat zoe@example.org "Mail server down")
    run "$CHATCTL" start --rt "$ticket"
    assert_success
    assert_output --partial "chatctl: warning: the link could not be sent: mailing the chat link to zoe@example.org through smtp://127.0.0.1:2599"
    assert_line --regexp "^  https://chat.example.org/c/"
    run replies5 "$ticket"
    refute_output --partial "chat.example.org/c/"
}
