/* 守望 without signal: the offline page (/offline), which the service worker also shows for
   any page asked for without signal. Filled in from the phone's encrypted store through the
   outbox in app.js, which calls these functions; only the offline page loads this file. */
(function () {
  "use strict";

  function byId(id) { return document.getElementById(id); }

  function localDay(date) {
    return new Date(date - date.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
  }

  // What waits, another person's entries (kept for them), what the server refused.
  window.offlinePage = function (api, list, waiting, problems) {
    var box = byId("problems");
    if (!box) return;  // a kept page is shown instead
    var me = api.me()[0], others = list.filter(function (e) { return e.user !== me; }).length;
    var note = byId("outbox-others"), row = byId("problem-row");
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

  // A page asked for without signal: its copy kept on this phone when it was last open, or
  // this page's own list of what is kept.
  window.offlineStart = function (api) {
    var who = api.me(), here = location.pathname + location.search;
    if (here === "/offline") return Promise.all([showPack(api), listPages(api)]);
    return api.store("pages", 0, function (s) { return s.get(who[0] + " " + here); })
      .then(function (page) {
        if (!page || !api.fresh(page)) return Promise.all([showPack(api), listPages(api)]);
        return api.unseal(page).then(function (kept) { showPage(kept, page.at); });
      });
  };

  // The kept markup is the server's own, escaped there. Every form in it makes a new entry
  // each time (a fresh uid), kept and sent like any other.
  function showPage(kept, at) {
    var main = byId("main"), body = document.body;
    main.innerHTML = kept.html;
    document.title = kept.title;
    var note = document.createElement("p");
    note.className = "flash flash-info";
    note.textContent = body.getAttribute("data-msg-kept-page")
      .replace("{time}", new Date(at).toLocaleString());
    main.prepend(note);
    main.querySelectorAll("form[data-offline]").forEach(function (form) {
      form.setAttribute("data-fresh-uid", "");
      if (form.elements.uid) form.elements.uid.value = crypto.randomUUID();
    });
  }

  function listPages(api) {
    var me = api.me()[0], list = byId("kept-pages");
    return api.store("pages", 0, function (s) { return s.getAll(); }).then(function (pages) {
      pages = pages.filter(function (p) { return p.user === me && api.fresh(p); });
      return Promise.all(pages.map(function (page) {
        return api.unseal(page).then(function (kept) {
          var li = document.createElement("li"), link = document.createElement("a");
          link.href = kept.path;
          link.textContent = kept.name;
          li.append(link, " ", new Date(page.at).toLocaleString());
          return li;
        });
      }));
    }).then(function (rows) {
      list.replaceChildren.apply(list, rows);
    });
  }

  // The home-visit pack: a card and the child's quick forms; a form saved here goes to the
  // outbox.
  function showPack(api) {
    var who = api.me(), link = byId("pack-link");
    if (who[1]) { link.href = "/s/" + who[1] + "/offline/pack"; link.hidden = false; }
    return api.store("packs", 0, function (s) { return s.get(who[0] || ""); }).then(function (pack) {
      if (!pack || pack.expires < Date.now()) return;
      return api.unseal(pack).then(function (cards) {
        var list = byId("pack-children"), today = localDay(new Date());
        byId("pack-status").textContent =
          api.words("packed", cards.length, new Date(pack.expires).toLocaleDateString());
        list.replaceChildren.apply(list, cards.map(function (card) {
          var li = document.createElement("li"), more = document.createElement("details");
          var head = document.createElement("summary"), body = document.createElement("div");
          head.textContent = [card.name, card["class"], card.phone].filter(Boolean).join(" · ");
          body.innerHTML = card.forms;  // the server's own markup, escaped there
          body.querySelectorAll("input[name=happened_on]").forEach(function (day) {
            day.value = today;
          });
          more.append(head, body);
          li.append(more);
          return li;
        }));
      });
    });
  }
})();
