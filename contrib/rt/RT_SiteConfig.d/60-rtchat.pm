# rtchat: where the "Chat" item of a ticket's menu leads (rtchat's web
# address, as COs reach it through the site's Apache).
Set($RTChatURL, "https://chat.example.org");
# Only when rtchat knows several RT systems: the [rt.NAME] this RT is.
# Set($RTChatSystem, "main");
1;
