# Shared by the bats files against the RT test bed (tests/rt/bed): a real
# chatd from ../cli/helpers, the bed's addresses, and reading RT back as root.
load ../cli/helpers

# shellcheck source=/dev/null
source /run/rtchat-test-bed/bed.env

# Runs a bed subcommand (such as "ticket5 QUEUE REQUESTOR SUBJECT") and
# prints its last line.
bed() { "$RTCHAT_SOURCE_DIR/tests/rt/bed" "$@" 2>/dev/null | tail -1; }
rest2() { curl -sf -u root:password "$RT5_URL/REST/2.0/$1"; }
rest1_rt4() { curl -sf "$RT4_URL/REST/1.0/$1" -d user=root -d pass=password; }
