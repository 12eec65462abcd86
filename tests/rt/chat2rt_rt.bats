#!/usr/bin/env bats
# chat2rt against real RT servers: RT 5 (REST2, rt-mailgate behind a real
# SMTP receiver, REST2 behind Apache with Kerberos over TLS) and RT 4
# (REST 1.0), from tests/rt/bed and tests/krb/bed. Every result is read
# back through RT's own API, as root.

load helpers

setup() {
    source /run/rtchat-test-bed/krb.env
    setup_chatd
    export RTCHAT_SHARE_DIR=$RTCHAT_SOURCE_DIR TZ=UTC
    install -m 0600 "$RT5_BOT_TOKEN_FILE" "$STATE/rt5.token"
    install -m 0600 "$RT_BOT_PASSWORD_FILE" "$STATE/bot.password"
    printf '[chat2rt]\nretry_after = 1s\nfrom = rtchat-bridge@example.org\n' >>"$RTCHAT_CONFIG"
}

teardown() {
    teardown_chatd
    # A test that stopped an RT leaves it running for the next one.
    "$RTCHAT_SOURCE_DIR/tests/rt/bed" start-rt5 >/dev/null 2>&1 3>&- || true
}


rt_system() { # NAME, then key = value lines on stdin
    { printf '[rt.%s]\n' "$1"; cat; } >>"$RTCHAT_CONFIG"
}

# A chat for USER <EMAIL>, optionally bound to TICKET, with one message
# each way, closed with a summary; prints its number.
closed_chat() {
    local user=$1 email=$2 ticket=${3:-} id
    local args=(start --user "$user" --email "$email" --json)
    [[ -n $ticket ]] && args+=(--rt "$ticket")
    id=$("$CHATCTL" "${args[@]}" | sed -E 's/.*"chat":\{[^}]*"id":([0-9]+).*/\1/')
    "$CHATCTL" say "$id" "Grüße, $user: is <b>it</b> plugged in?" >/dev/null
    "$CHATCTL" close "$id" --summary "Printer fixed; ünïcödé intact." >/dev/null
    echo "$id"
}


# "Type Creator" of each transaction of an RT 5 ticket, one per line.
history5() {
    rest2 "ticket/$1/history?fields=Type,Creator&per_page=100" |
        jq -r '.items[] | "\(.Type) \(.Creator.id)"'
}
# All text of an RT 5 ticket's attachments (file names and contents).
contents5() {
    rest2 "ticket/$1/attachments?fields=Filename,Content&per_page=100" |
        jq -r '.items[] | "\(.Filename // "")\n\(.Content // "")"'
}
ticket_field5() { rest2 "ticket/$1" | jq -r ".$2"; }
queue_of5() { rest2 "queue/$(rest2 "ticket/$1" | jq -r .Queue.id)" | jq -r .Name; }
outbox() { sqlite3 "$STATE/rtchat.db" "SELECT $1 FROM outbox WHERE chat_id = $2"; }

rest2_token_system() {
    rt_system five <<CONF
backend = rest2
url = $RT5_URL
auth = token
token_file = $STATE/rt5.token
queue = Chat
fallback_queue = Triage
allowed_queues = General, Chat
CONF
}

@test "REST2 (token): the transcript lands in its ticket once, summary first, log attached" {
    rest2_token_system
    ticket=$(bed ticket5 Chat zoe@example.org "Printer broken")
    id=$(closed_chat "Zoë" zoe@example.org "$ticket")
    run "$CHAT2RT" --once
    assert_success
    assert_output --partial "event=transcript_delivered chat=$id target=rt:five ticket=$ticket"
    run history5 "$ticket"
    assert_line "Comment chatbot"
    run contents5 "$ticket"
    assert_line "Summary: Printer fixed; ünïcödé intact."
    assert_line "chat-$id.txt"
    assert_line --partial "Grüße, Zoë: is <b>it</b> plugged in?"
    assert_line --partial "rtchat transcript rtchat-$id-"
    [ "$(outbox rt_ticket "$id")" = "$ticket" ]
    run "$CHATCTL" show "$id"
    assert_line --partial "state:   delivered"
    # A second run finds nothing to do and RT gets nothing more.
    run "$CHAT2RT" --once
    assert_success
    [ "$(history5 "$ticket" | grep -c '^Comment chatbot$')" = 1 ]
}

@test "REST2 (basic, correspond): a chat without a ticket opens one with the user as requestor" {
    rt_system five <<CONF
backend = rest2
url = $RT5_URL
auth = basic
user = $RT_BOT_USER
password_file = $STATE/bot.password
action = correspond
queue = Chat
CONF
    id=$(closed_chat "Ann" ann-$RANDOM@example.org)
    run "$CHAT2RT" --once
    assert_success
    ticket=$(outbox rt_ticket "$id")
    [ -n "$ticket" ]
    [ "$(queue_of5 "$ticket")" = Chat ]
    run ticket_field5 "$ticket" 'Requestor[0].id'
    assert_output --regexp '^ann-[0-9]+@example.org$'
    run ticket_field5 "$ticket" Subject
    assert_output "Chat transcript: Ann (chat #$id)"
    run contents5 "$ticket"
    assert_line "chat-$id.txt"
}

@test "a ticket whose requestor is someone else gets nothing; a flagged ticket in the fallback queue does" {
    rest2_token_system
    ticket=$(bed ticket5 Chat someone-else@example.org "Not Mallory's ticket")
    id=$(closed_chat "Mallory" mallory@example.org "$ticket")
    run "$CHAT2RT" --once
    assert_success
    assert_output --partial "event=transcript_flagged chat=$id"
    run history5 "$ticket"
    refute_line --partial "Comment"
    refute_line --partial "Correspond"
    other=$(outbox rt_ticket "$id")
    [ "$other" != "$ticket" ]
    [ "$(queue_of5 "$other")" = Triage ]
    run ticket_field5 "$other" Subject
    assert_output "Chat transcript: Mallory (chat #$id) - NOT filed in #$ticket"
    run ticket_field5 "$other" 'Requestor | length'
    assert_output 0
    run contents5 "$other"
    assert_line --partial "NOT FILED IN ITS TICKET: mallory@example.org is not among the requestors of ticket $ticket"
    run "$CHAT2RT" --status
    assert_success
    assert_line --partial "FLAGGED  chat"
    run "$CHATCTL" status
    assert_line "  transcripts: 0 waiting, 0 failed, 1 flagged (see chat2rt --status)"
}

@test "a deleted ticket, an unknown ticket and a queue not allowed all go to the fallback queue" {
    rest2_token_system
    deleted=$(bed ticket5 Chat zoe@example.org "To be deleted")
    curl -sf -u root:password -X PUT -H 'Content-Type: application/json' \
        -d '{"Status":"deleted"}' "$RT5_URL/REST/2.0/ticket/$deleted" >/dev/null
    in_triage=$(bed ticket5 Triage zoe@example.org "In a queue that may not receive")
    a=$(closed_chat "Zoë" zoe@example.org "$deleted")
    b=$(closed_chat "Zoë" zoe@example.org 999999)
    c=$(closed_chat "Zoë" zoe@example.org "$in_triage")
    run "$CHAT2RT" --once
    assert_success
    assert_output --partial "why=\"ticket $deleted is deleted\""
    assert_output --partial "why=\"ticket 999999 does not exist in RT five\""
    assert_output --partial "why=\"ticket $in_triage is in queue Triage, which may not receive transcripts\""
    run history5 "$in_triage"
    refute_line --partial "chatbot"
    for chat in "$a" "$b" "$c"; do
        [ "$(queue_of5 "$(outbox rt_ticket "$chat")")" = Triage ]
    done
}

@test "RT down during a run: the transcripts wait, then land once each when it is back" {
    rest2_token_system
    ticket=$(bed ticket5 Chat zoe@example.org "RT will be down")
    one=$(closed_chat "Zoë" zoe@example.org "$ticket")
    two=$(closed_chat "Zoë" zoe@example.org "$ticket")
    "$RTCHAT_SOURCE_DIR/tests/rt/bed" stop-rt5 >/dev/null 2>&1 3>&-
    run "$CHAT2RT" --once
    assert_success
    assert_output --partial "event=transcript_deferred chat=$one"
    assert_output --partial "event=transcript_deferred chat=$two"
    run "$CHAT2RT" --status
    assert_line --partial "chat2rt: 2 transcript(s) waiting"
    assert_line --partial "Couldn't connect to server"
    "$RTCHAT_SOURCE_DIR/tests/rt/bed" start-rt5 >/dev/null 2>&1 3>&-
    sleep 1.1
    run "$CHAT2RT" --once
    assert_success
    [ "$(history5 "$ticket" | grep -c '^Comment chatbot$')" = 2 ]
    [ "$(contents5 "$ticket" | grep -c "rtchat transcript rtchat-$one-")" = 1 ]
    [ "$(contents5 "$ticket" | grep -c "rtchat transcript rtchat-$two-")" = 1 ]
}

@test "killed with SIGKILL between RT's answer and the record: no duplicate after the next run" {
    rest2_token_system
    ticket=$(bed ticket5 Chat zoe@example.org "chat2rt will die")
    id=$(closed_chat "Zoë" zoe@example.org "$ticket")
    run env RTCHAT_TEST_DIE_AFTER_SEND=1 "$CHAT2RT" --once
    [ "$status" -eq 137 ]
    [ "$(outbox state "$id")" = pending ]
    [ "$(history5 "$ticket" | grep -c '^Comment chatbot$')" = 1 ]
    sqlite3 "$STATE/rtchat.db" "UPDATE outbox SET next_try = 0 WHERE chat_id = $id"
    run "$CHAT2RT" --once
    assert_success
    assert_output --partial "found_from_earlier_try=yes"
    [ "$(history5 "$ticket" | grep -c '^Comment chatbot$')" = 1 ]
    [ "$(outbox state "$id")" = delivered ]
}

@test "a fallback queue RT does not have is a permanent failure: kept, shown, exit 1, retried on request" {
    rt_system five <<CONF
backend = rest2
url = $RT5_URL
auth = token
token_file = $STATE/rt5.token
fallback_queue = NoSuchQueue
CONF
    ticket=$(bed ticket5 Chat someone-else@example.org "Not Zoë's")
    id=$(closed_chat "Zoë" zoe@example.org "$ticket")
    run "$CHAT2RT" --once
    assert_failure 1
    assert_output --partial "event=transcript_failed chat=$id"
    run "$CHAT2RT" --status
    assert_failure 1
    assert_line --partial "FAILED   chat"
    run "$CHATCTL" show "$id"
    assert_line --partial "state:   failed"
    run "$CHAT2RT" --retry "$id"
    assert_success
    [ "$(outbox state "$id")" = pending ]
}

@test "RT 4 over REST 1.0: comment with the log attached, checks, and a new ticket" {
    rt_system four <<CONF
backend = rest1
url = $RT4_URL
auth = basic
user = $RT_BOT_USER
password_file = $STATE/bot.password
queue = Chat
fallback_queue = Triage
CONF
    ticket=$(bed ticket4 Chat zoe@example.org "Printer broken (RT 4)")
    id=$(closed_chat "Zoë" zoe@example.org "$ticket")
    stranger=$(closed_chat "Mallory" mallory@example.org "$ticket")
    fresh=$(closed_chat "Ann" ann@example.org)
    run "$CHAT2RT" --once
    assert_success
    run rest1_rt4 "ticket/$ticket/history?format=l"
    assert_output --partial "Type: Comment"
    assert_output --partial "Creator: chatbot"
    assert_output --partial "Printer fixed; ünïcödé intact."
    assert_output --partial "chat-$id.txt"
    refute_output --partial "rtchat-$stranger-"
    flagged=$(outbox rt_ticket "$stranger")
    run rest1_rt4 "ticket/$flagged/show"
    assert_output --partial "Queue: Triage"
    new=$(outbox rt_ticket "$fresh")
    run rest1_rt4 "ticket/$new/show"
    assert_output --partial "Queue: Chat"
    assert_output --partial "Requestors: ann@example.org"
    run rest1_rt4 "ticket/$new/history?format=l"
    assert_output --partial "> ["
    # Once, however often it runs.
    run "$CHAT2RT" --once
    [ "$(rest1_rt4 "ticket/$ticket/history" | grep -c 'Comments added by chatbot')" = 1 ]
}

@test "mail through a real SMTP receiver into rt-mailgate: tagged comment, checked through REST 1.0" {
    rt_system mail5 <<CONF
backend = mail
url = $RT5_URL
auth = basic
user = $RT_BOT_USER
password_file = $STATE/bot.password
rtname = $RT5_NAME
smtp_url = $SMTP_URL
comment_address = chat-comment@$RT5_NAME
correspond_address = chat@$RT5_NAME
queue_address = chat@$RT5_NAME
fallback_address = triage@$RT5_NAME
CONF
    ticket=$(bed ticket5 Chat zoe@example.org "By mail")
    id=$(closed_chat "Zoë" zoe@example.org "$ticket")
    stranger=$(closed_chat "Mallory" mallory@example.org "$ticket")
    run "$CHAT2RT" --once
    assert_success
    assert_output --partial "event=transcript_mailed chat=$id"
    # The mail server's yes is not RT's: delivered once seen in the ticket.
    [ "$(outbox state "$id")" = pending ]
    sqlite3 "$STATE/rtchat.db" "UPDATE outbox SET next_try = 0"
    run "$CHAT2RT" --once
    assert_success
    assert_output --partial "event=transcript_delivered chat=$id target=rt:mail5 ticket=$ticket found_from_earlier_try=yes"
    [ "$(outbox state "$stranger")" = delivered ]
    run history5 "$ticket"
    assert_line "Comment rtchat-bridge@example.org"
    [ "$(history5 "$ticket" | grep -c '^Comment ')" = 1 ]
    run contents5 "$ticket"
    assert_line --partial "Printer fixed; ünïcödé intact."
    assert_line --partial "> ["
    refute_line --partial "rtchat-$stranger-"
    # Mail does not say which ticket it opened: the flagged one is found by
    # its subject and marker (chat numbers repeat across test stores).
    marker=$(outbox marker "$stranger")
    found=0
    for t in $(rest2 "tickets?per_page=100&query=$(jq -rn --arg q "Subject LIKE '(chat #$stranger)' AND Queue = 'Triage'" '$q|@uri')" | jq -r '.items[].id'); do
        contents5 "$t" | grep -q "$marker" && found=$((found + 1))
    done
    [ "$found" = 1 ]
}

@test "mail that RT never files (here: it went to another RT) fails loudly after mail_confirm_timeout" {
    rt_system mail5 <<CONF
backend = mail
url = $RT5_URL
auth = basic
user = $RT_BOT_USER
password_file = $STATE/bot.password
rtname = $RT5_NAME
smtp_url = $SMTP_URL
comment_address = chat-comment@$RT5_NAME
queue_address = rt@$RT4_NAME
mail_confirm_timeout = 1s
CONF
    id=$(closed_chat "Ann" ann@example.org)
    run "$CHAT2RT" --once
    assert_success
    assert_output --partial "event=transcript_mailed chat=$id"
    sleep 1.1
    sqlite3 "$STATE/rtchat.db" "UPDATE outbox SET next_try = 0"
    run "$CHAT2RT" --once
    assert_failure 1
    assert_output --partial "event=transcript_failed chat=$id"
    assert_output --partial "RT has not filed it"
}

@test "mail: SMTP down waits; RT refusing the message (unknown ticket, no checks) fails for good" {
    rt_system mail5 <<CONF
backend = mail
rtname = $RT5_NAME
smtp_url = smtp://127.0.0.1:2599
comment_address = chat-comment@$RT5_NAME
queue_address = chat@$RT5_NAME
CONF
    id=$(closed_chat "Zoë" zoe@example.org 999999)
    run "$CHAT2RT" --once
    assert_success
    assert_output --partial "event=transcript_deferred chat=$id"
    sed -i "s|smtp://127.0.0.1:2599|$SMTP_URL|" "$RTCHAT_CONFIG"
    sqlite3 "$STATE/rtchat.db" "UPDATE outbox SET next_try = 0 WHERE chat_id = $id"
    run "$CHAT2RT" --once
    assert_failure 1
    assert_output --partial "SMTP 554"
}

@test "Kerberos: REST2 behind Apache with SPNEGO over verified TLS, as the keytab's principal" {
    rt_system krb <<CONF
backend = rest2
url = $RT5_KRB_URL
auth = negotiate
keytab = $KRB_KEYTAB
principal = $KRB_PRINCIPAL
ca_file = $KRB_CA_FILE
queue = Chat
CONF
    ticket=$(bed ticket5 Chat zoe@example.org "Kerberised")
    id=$(closed_chat "Zoë" zoe@example.org "$ticket")
    run env KRB5_CONFIG="$KRB5_CONFIG" "$CHAT2RT" --once
    assert_success
    assert_output --partial "event=transcript_delivered chat=$id target=rt:krb ticket=$ticket"
    run history5 "$ticket"
    assert_line "Comment chatbot"
}

@test "Kerberos: a stale keytab and an expired certificate wait with a clear reason, sending nothing" {
    rt_system krb <<CONF
backend = rest2
url = $RT5_KRB_URL
auth = negotiate
keytab = $KRB_STALE_KEYTAB
principal = $KRB_STALE_PRINCIPAL
ca_file = $KRB_CA_FILE
CONF
    ticket=$(bed ticket5 Chat zoe@example.org "Kerberos faults")
    id=$(closed_chat "Zoë" zoe@example.org "$ticket")
    run env KRB5_CONFIG="$KRB5_CONFIG" "$CHAT2RT" --once
    assert_success
    assert_output --partial "event=transcript_deferred chat=$id"
    assert_output --partial "Kerberos: getting a ticket for $KRB_STALE_PRINCIPAL"
    sed -i -e "s|$KRB_STALE_KEYTAB|$KRB_KEYTAB|" -e "s|$KRB_STALE_PRINCIPAL|$KRB_PRINCIPAL|" \
        -e "s|$RT5_KRB_URL|$RT5_KRB_EXPIRED_URL|" "$RTCHAT_CONFIG"
    sqlite3 "$STATE/rtchat.db" "UPDATE outbox SET next_try = 0 WHERE chat_id = $id"
    run env KRB5_CONFIG="$KRB5_CONFIG" "$CHAT2RT" --once
    assert_success
    assert_output --partial "event=transcript_deferred chat=$id"
    assert_output --partial "certificate"
    run history5 "$ticket"
    refute_line --partial "chatbot"
}

@test "configuration mistakes are named by section and key, before anything is sent" {
    rt_system broken <<CONF
backend = rest2
url = $RT5_URL
auth = token
token_file = $STATE/missing.token
CONF
    run "$CHAT2RT" --check-config
    assert_failure 2
    assert_output --partial "[rt.broken] token_file: cannot read $STATE/missing.token"
    run "$CHAT2RT" --once
    assert_failure 2
}

@test "a password or token is never sent unencrypted off this machine" {
    rt_system remote <<CONF
backend = rest2
url = http://rt.example.org
auth = token
token_file = $STATE/rt5.token
CONF
    run "$CHAT2RT" --check-config
    assert_failure 2
    assert_output --partial "[rt.remote] url: would send RT's password or token unencrypted; use https://"
}
