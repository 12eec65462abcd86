# Shared set-up for the command-line tests: a real chatd in a temporary
# folder, and chatctl pointed at it through $RTCHAT_CONFIG.
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

: "${CHATD:?set CHATD to the chatd binary}"
: "${CHATCTL:?set CHATCTL to the chatctl binary}"

chatd_start() {
    "$CHATD" -c "$RTCHAT_CONFIG" 2>>"$STATE/chatd.log" &
    echo $! >"$STATE/chatd.pid"
    for _ in $(seq 1 500); do
        [[ -S $STATE/chatd.sock ]] && "$CHATCTL" status >/dev/null 2>&1 && return 0
        sleep 0.01
    done
    echo "chatd did not start; log:" >&2
    cat "$STATE/chatd.log" >&2
    return 1
}

chatd_stop() {
    local pid
    pid=$(cat "$STATE/chatd.pid" 2>/dev/null) || return 0
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

setup_chatd() {
    STATE=$(mktemp -d /tmp/rtchat-bats-XXXXXX)
    chmod 0755 "$STATE"
    export STATE
    export RTCHAT_CONFIG=$STATE/rtchat.conf
    cat >"$RTCHAT_CONFIG" <<CONF
[store]
path = $STATE/rtchat.db
[chatd]
socket = $STATE/chatd.sock
socket_mode = 0666
co_group = users
[web]
base_url = https://chat.example.org/
CONF
    chmod 0644 "$RTCHAT_CONFIG"
    chatd_start
}

teardown_chatd() {
    chatd_stop
    rm -rf "$STATE"
}

# Runs chatctl as uid nobody, with extra groups if given ("--groups users").
chatctl_as_nobody() {
    local groups=(--clear-groups)
    if [[ ${1:-} == --groups ]]; then
        groups=(--groups "$2")
        shift 2
    fi
    setpriv --reuid=nobody --regid=nogroup "${groups[@]}" env RTCHAT_CONFIG="$RTCHAT_CONFIG" "$CHATCTL" "$@"
}

# Starts a chat for alice and prints its id.
new_chat() {
    "$CHATCTL" start --user "${1:-alice}" --json | sed -E 's/.*"chat":\{[^}]*"id":([0-9]+).*/\1/'
}
