/* 守望: the offline page (/offline), filled in from the phone's encrypted store through the
   outbox of app.js, which calls these two. Loaded by that page only, before app.js. */
(function () {
  "use strict";

  function byId(id) { return document.getElementById(id); }

  // What waits, another person's entries (kept for them), what the server refused.
  window.offlinePage = function (api, list, waiting, problems) {
    var me = api.me()[0], others = list.filter(function (e) { return e.user !== me; }).length;
    var note = byId("outbox-others"), box = byId("problems"), row = byId("problem-row");
    byId("outbox-count").textContent = waiting;
    note.textContent = api.words("other", others);
    note.hidden = !others;
    Promise.all(problems.map(function (e) {
      return api.unseal(e).then(function (kept) {
        var li = row.content.firstElementChild.cloneNode(true);
        li.querySelector(".error").textContent = kept.message;
        li.querySelector(".kept").textContent = kept.fields.filter(function (f) {
          return f[1] && !/^(csrf_token|uid|captured_at)$/.test(f[0]);
        }).map(function (f) { return f[0] + ": " + f[1]; }).join("\n");
        li.querySelector("[data-drop]").onclick = function () { api.drop(e.id).then(api.show); };
        return li;
      });
    })).then(function (rows) { box.replaceChildren.apply(box, rows); });
  };

  // The home-visit pack: a card and a form per child; a form saved here goes to the outbox.
  window.offlinePack = function (api) {
    var who = api.me(), link = byId("pack-link");
    if (who[1]) { link.href = "/s/" + who[1] + "/offline/pack"; link.hidden = false; }
    return api.store("packs", 0, function (s) { return s.get(who[0] || ""); }).then(function (pack) {
      if (!pack || pack.expires < Date.now()) return;
      return api.unseal(pack).then(function (cards) {
        var list = byId("pack-children"), today = new Date();
        today = new Date(today - today.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
        byId("pack-status").textContent =
          api.words("packed", cards.length, new Date(pack.expires).toLocaleDateString());
        list.replaceChildren.apply(list, cards.map(function (card) {
          var li = document.createElement("li"), more = document.createElement("details");
          var head = document.createElement("summary"), body = document.createElement("div");
          head.textContent = [card.name, card["class"], card.phone].filter(Boolean).join(" · ");
          body.innerHTML = card.form;  // the server's own markup, escaped there
          var day = body.querySelector("input[name=happened_on]");
          if (day) day.value = today;
          more.append(head, body);
          li.append(more);
          return li;
        }));
      });
    });
  };
})();
