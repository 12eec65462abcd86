#!/usr/bin/env bats
# chat2rt with the spool target (the embedded default), against a real chatd.

load helpers

setup() {
    setup_chatd
    export RTCHAT_SHARE_DIR=$RTCHAT_SOURCE_DIR
    export TZ=UTC
    printf '[chat2rt]\nspool_dir = %s/spool\nrtname = rt.example.org\nretry_after = 1s\n' "$STATE" >>"$RTCHAT_CONFIG"
    chatd_stop
    chatd_start
}
teardown() { teardown_chatd; }

closed_chat() {
    local id
    id=$("$CHATCTL" start --user "Zoë" --email zoe@example.org --rt 4242 --json |
        sed -E 's/.*"chat":\{[^}]*"id":([0-9]+).*/\1/')
    "$CHATCTL" say "$id" "Hello Zoë" >/dev/null
    "$CHATCTL" close "$id" --summary "Printer fixed." >/dev/null
    echo "$id"
}

@test "a closed chat's transcript lands in the spool once" {
    id=$(closed_chat)
    run "$CHAT2RT" --once
    assert_success
    run bash -c "ls $STATE/spool/*.eml | wc -l"
    assert_output 1
    file=$(ls "$STATE"/spool/*.eml)
    run cat "$file"
    assert_line --partial "Subject: =?UTF-8?B?"
    assert_line --partial "X-RTChat-Ticket: 4242"
    assert_line --partial "Printer fixed."
    assert_line --partial "> ["
    run "$CHATCTL" show "$id"
    assert_line --partial "state:   delivered"
    run "$CHAT2RT" --once
    assert_success
    run bash -c "ls $STATE/spool/*.eml | wc -l"
    assert_output 1
}

@test "an open chat is not delivered" {
    "$CHATCTL" start --user alice >/dev/null
    run "$CHAT2RT" --once
    assert_success
    [[ ! -d $STATE/spool ]] || [[ -z $(ls "$STATE/spool") ]]
}

@test "a crash between writing and recording delivers nothing twice" {
    id=$(closed_chat)
    "$CHAT2RT" --once
    # As if chat2rt died after the rename, before the store knew.
    sqlite3 "$STATE/rtchat.db" "UPDATE outbox SET state = 'pending', delivered_at = NULL WHERE chat_id = $id;
                                UPDATE chats SET state = 'delivering' WHERE id = $id;"
    run "$CHAT2RT" --once
    assert_success
    assert_output --partial "found_from_earlier_try=yes"
    run bash -c "ls $STATE/spool/*.eml | wc -l"
    assert_output 1
    run "$CHATCTL" show "$id"
    assert_line --partial "state:   delivered"
}

@test "an unwritable spool waits and is retried; nothing is lost" {
    id=$(closed_chat)
    mkdir -p "$STATE/spool"
    chmod 0500 "$STATE/spool"
    # root ignores permissions: run as the owner of the store instead.
    chown -R nobody "$STATE"
    chmod 0777 "$STATE"
    run setpriv --reuid=nobody --regid=nogroup --clear-groups env RTCHAT_CONFIG="$RTCHAT_CONFIG" RTCHAT_SHARE_DIR="$RTCHAT_SHARE_DIR" "$CHAT2RT" --once
    assert_success
    assert_output --partial "event=transcript_deferred chat=$id"
    run setpriv --reuid=nobody --regid=nogroup --clear-groups env RTCHAT_CONFIG="$RTCHAT_CONFIG" "$CHAT2RT" --status
    assert_success
    assert_line --index 0 "chat2rt: 1 transcript(s) waiting, 0 failed, 0 flagged"
    assert_line --partial "Permission denied"
    chmod 0700 "$STATE/spool"
    sleep 1.1
    run setpriv --reuid=nobody --regid=nogroup --clear-groups env RTCHAT_CONFIG="$RTCHAT_CONFIG" RTCHAT_SHARE_DIR="$RTCHAT_SHARE_DIR" "$CHAT2RT" --once
    assert_success
    assert_output --partial "event=transcript_delivered chat=$id"
    run bash -c "ls $STATE/spool/*.eml | wc -l"
    assert_output 1
}

@test "--status says when transcripts failed for good, with exit 1" {
    id=$(closed_chat)
    "$CHAT2RT" --once
    sqlite3 "$STATE/rtchat.db" "UPDATE outbox SET state = 'failed', last_error = 'ticket 4242 does not exist' WHERE chat_id = $id"
    run "$CHAT2RT" --status
    assert_failure 1
    assert_line --partial "FAILED   chat"
    assert_line --partial "ticket 4242 does not exist"
    run "$CHATCTL" status
    assert_line "  transcripts: 0 waiting, 1 failed, 0 flagged (see chat2rt --status)"
}

@test "chat2rt never starts an empty store of its own" {
    printf '[store]\npath = %s/nothing-here.db\n' "$STATE" >"$STATE/other.conf"
    run "$CHAT2RT" -c "$STATE/other.conf" --once
    assert_failure 3
    assert_output --partial "no store at $STATE/nothing-here.db; start chatd first"
    [[ ! -e $STATE/nothing-here.db ]]
}

@test "a retry goes where the first try went" {
    id=$(closed_chat)
    mkdir -p "$STATE/spool"
    chown -R nobody "$STATE"
    chmod 0777 "$STATE"
    chmod 0500 "$STATE/spool"
    as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups env RTCHAT_CONFIG="$RTCHAT_CONFIG" RTCHAT_SHARE_DIR="$RTCHAT_SHARE_DIR" "$@"; }
    run as_nobody "$CHAT2RT" --once
    assert_output --partial "event=transcript_deferred chat=$id"
    # The configuration moves on; the waiting transcript keeps its target.
    printf '[chat2rt]\nspool_dir = %s/elsewhere\n' "$STATE" >>"$RTCHAT_CONFIG"
    chmod 0700 "$STATE/spool"
    sleep 1.1
    run as_nobody "$CHAT2RT" --once
    assert_success
    run bash -c "ls $STATE/spool/*.eml | wc -l"
    assert_output 1
}

@test "chatctl transcript previews the text and then says where it went" {
    id=$(closed_chat)
    run "$CHATCTL" transcript "$id"
    assert_success
    assert_line "Subject: [rt.example.org #4242] Chat transcript: Zoë (chat #$id)"
    assert_line "Delivery: not yet (the chat is still open, or chat2rt has not run)"
    assert_line "Summary: Printer fixed."
    assert_line --partial "] root: Hello Zoë"
    "$CHAT2RT" --once 2>/dev/null
    run "$CHATCTL" transcript "$id"
    assert_success
    assert_line --regexp "^Delivery: delivered to spool:"
    assert_line --regexp "^rtchat transcript rtchat-$id-[0-9a-f]{24}$"
    run "$CHATCTL" transcript 999
    assert_failure 5
}

@test "chats name their RT system when several are configured; unknown names are refused" {
    printf '[rt.physics]\nbackend = spool\n[rt.maths]\nbackend = spool\n' >>"$RTCHAT_CONFIG"
    chatd_stop
    chatd_start
    run "$CHATCTL" start --user zoe --rt 5
    assert_failure 7
    assert_output --partial "several RT systems are configured (physics, maths); name one in rt_system (chatctl start --rt-system)"
    run "$CHATCTL" start --user zoe --rt 5 --rt-system chemistry
    assert_failure 7
    assert_output --partial "no RT system 'chemistry'; configured: physics, maths"
    run "$CHATCTL" start --user zoe --rt 5 --rt-system maths --json
    assert_success
    assert_output --partial '"rt_system":"maths"'
}
