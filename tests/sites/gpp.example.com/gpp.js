// A GPP 1.1 CMP stub: ping answers with everything; the string changes with the choice.
(function () {
  var state = {
    gppVersion: "1.1", cmpStatus: "loaded", cmpDisplayStatus: "visible",
    signalStatus: "not ready", supportedAPIs: ["2:tcfeuv2", "7:usnat"], cmpId: 4242,
    sectionList: [], applicableSections: [-1], gppString: "", parsedSections: {}
  };
  var m = document.cookie.match(/(?:^|; )gpp_choice=([^;]*)/);
  function choose(value) {
    var yes = value === "yes";
    state.cmpDisplayStatus = "hidden";
    state.signalStatus = "ready";
    state.sectionList = [2];
    state.applicableSections = [2];
    state.gppString = yes ? "DBABMA~CQAAAAAQAAAAAPoABBENBJFgAP_gAEPgAAAAAAAAAAAA"
                          : "DBABMA~CQAAAAAQAAAAAPoABBENBJFgAAAAAEPgAAAAAAAAAAAA";
    state.parsedSections = {tcfeuv2: [{Version: 2, CmpId: 4242,
      PurposeConsents: yes ? [true, true, true] : [false, false, false]}]};
  }
  if (m) choose(m[1]);
  window.__gppChoose = choose;
  window.__gpp = function (command, callback) {
    if (command === "ping") { callback(JSON.parse(JSON.stringify(state)), true); return; }
    if (command === "addEventListener") { callback({eventName: "listenerRegistered"}, true); return; }
    callback(null, false);
  };
})();
