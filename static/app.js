/* 守望: small enhancements on top of htmx. Every page works without this file. */
(function () {
  "use strict";

  function say(text, kind) {
    var box = document.getElementById("messages");
    if (!box || !text) return;
    var note = document.createElement("div");
    note.className = "flash flash-" + (kind || "error");
    note.setAttribute("role", "alert");
    note.textContent = text;
    box.replaceChildren(note);
  }

  function phrase(name) {
    return document.body.getAttribute("data-msg-" + name);
  }

  // Our error answers say where they belong (HX-Retarget: #messages): show them, not drop them.
  document.addEventListener("htmx:beforeSwap", function (evt) {
    var xhr = evt.detail.xhr;
    if (xhr.status >= 400 && xhr.getResponseHeader("HX-Retarget")) {
      evt.detail.shouldSwap = true;
      evt.detail.isError = false;
    }
  });

  // Weak signal: say so plainly; what was typed stays in the form.
  // A page (or a part that moves the address on) asked for without signal: asked again as a
  // page, which the service worker answers with the phone's kept copy, or the offline page.
  document.addEventListener("htmx:sendError", function (evt) {
    var asked = evt.detail.requestConfig, elt = evt.detail.elt;
    if (asked && asked.verb === "get" && (asked.boosted || elt.closest("[hx-push-url]"))) {
      location.assign(evt.detail.pathInfo.finalRequestPath);
    } else say(phrase("offline"));
  });
  document.addEventListener("htmx:timeout", function () { say(phrase("timeout")); });
  document.addEventListener("htmx:responseError", function (evt) {
    if (!evt.detail.xhr.getResponseHeader("HX-Retarget")) say(phrase("failed"));
  });

  // A call from the card: the number comes in the answer's HX-Trigger event, never in the
  // page, and goes straight to the phone's dialler while the contact form opens.
  document.addEventListener("dial", function (evt) {
    var number = String((evt.detail && evt.detail.number) || "");
    if (/^[0-9+-]{3,20}$/.test(number)) window.location.href = "tel:" + number;
  });

  // Photos are shrunk on the phone before they travel: a 4 MB camera photo becomes a few
  // hundred KB, which a weak signal can carry. The server shrinks and strips them again.
  var LONGEST_SIDE = 1280;

  function shrink(file) {
    return new Promise(function (resolve) {
      if (!/^image\/(jpeg|png|webp)$/.test(file.type) || !window.createImageBitmap) {
        return resolve(file);
      }
      createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
        var scale = Math.min(1, LONGEST_SIDE / Math.max(bitmap.width, bitmap.height));
        if (scale === 1 && file.size < 500000) return resolve(file);
        var canvas = document.createElement("canvas");
        canvas.width = Math.round(bitmap.width * scale);
        canvas.height = Math.round(bitmap.height * scale);
        canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) return resolve(file);
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg" }));
        }, "image/jpeg", 0.82);
      }, function () { resolve(file); });
    });
  }

  document.addEventListener("change", function (evt) {
    var input = evt.target;
    if (input.type !== "file" || !/image/.test(input.accept || "") || !window.DataTransfer) return;
    var buttons = input.form ? input.form.querySelectorAll("button[type=submit]") : [];
    buttons.forEach(function (button) { button.disabled = true; });
    Promise.all(Array.prototype.map.call(input.files, shrink)).then(function (files) {
      var list = new DataTransfer();
      files.forEach(function (file) { list.items.add(file); });
      input.files = list.files;
    }).finally(function () {
      buttons.forEach(function (button) { button.disabled = false; });
    });
  });

  // "The whole class" ticks every child's chip at once (without JavaScript the server does).
  document.addEventListener("change", function (evt) {
    var box = evt.target;
    if (!box.form) return;
    var all = box.getAttribute("data-check-all");
    if (all) {
      box.form.querySelectorAll('input[type=checkbox][name="' + all + '"]').forEach(function (one) {
        one.checked = box.checked;
      });
    } else if (box.type === "checkbox" && !box.checked) {
      var whole = box.form.querySelector('input[data-check-all="' + box.name + '"]');
      if (whole) whole.checked = false;
    }
  });

  // A roll call or a dorm headcount: the status tapped shows beside the name, the row closes
  // for the next name, and the counts follow. Without this the page sends the same form.
  function tally(form) {
    var counts = { here: 0 };
    var fallback = form.getAttribute("data-default");
    form.querySelectorAll("details[data-status]").forEach(function (row) {
      var checked = row.querySelector("input[type=radio]:checked");
      var value = checked ? checked.value : fallback;
      counts[value] = (counts[value] || 0) + 1;
      if (!(checked && checked.hasAttribute("data-away"))) counts.here += 1;
    });
    var box = document.getElementById(form.getAttribute("data-sheet"));
    if (!box) return;
    box.querySelectorAll("[data-count]").forEach(function (figure) {
      figure.textContent = counts[figure.getAttribute("data-count")] || 0;
    });
  }

  document.addEventListener("change", function (evt) {
    var input = evt.target;
    var form = input.form;
    if (!form || !form.hasAttribute("data-sheet") || input.type !== "radio") return;
    var row = input.closest("details[data-status]");
    if (row) {
      var label = input.nextElementSibling;
      var status = row.querySelector(".sheet-status");
      row.setAttribute("data-status", input.value);
      if (status) {
        status.textContent = input.value === form.getAttribute("data-default") ? "" : label.textContent;
      }
      row.open = false;
    }
    tally(form);
  });
  // An incident's clocks count on between page loads: the server counted them when the page
  // was made; this only moves the minutes on, with the server's own clock as the reference.
  function spell(minutes, words) {
    var hours = Math.floor(minutes / 60), rest = minutes % 60;
    if (hours && !rest) return words.getAttribute("data-clock-h").replace("{h}", hours);
    return hours
      ? words.getAttribute("data-clock-hm").replace("{h}", hours).replace("{m}", rest)
      : words.getAttribute("data-clock-m").replace("{m}", rest);
  }

  // How far this phone's clock is from the server's, taken when the page (or a part of it)
  // arrives.
  document.addEventListener("htmx:load", function (evt) {
    var root = evt.detail.elt;
    var found = Array.prototype.slice.call(root.querySelectorAll("[data-clock-now]"));
    if (root.hasAttribute && root.hasAttribute("data-clock-now")) found.push(root);
    found.forEach(function (words) {
      words.clockOffset = Date.parse(words.getAttribute("data-clock-now")) - Date.now();
    });
  });

  function tick() {
    document.querySelectorAll(".clock[data-due]").forEach(function (clock) {
      var words = clock.closest("[data-clock-now]");
      if (!words || words.clockOffset === undefined || isNaN(words.clockOffset)) return;
      var left = Date.parse(clock.getAttribute("data-due")) - (Date.now() + words.clockOffset);
      var minutes = Math.ceil(Math.abs(left) / 60000);
      var pattern = words.getAttribute(left >= 0 ? "data-clock-left" : "data-clock-over");
      clock.textContent = pattern.replace("{t}", spell(minutes, words));
      clock.classList.toggle("overdue", left < 0);
      clock.classList.toggle("running", left >= 0);
    });
  }

  window.setInterval(tick, 30000);


  // The outbox: a form that cannot be sent (no signal, a timeout, no answer) is kept in
  // IndexedDB, sealed with a non-extractable AES-GCM key, and sent later, oldest first, by
  // its own user only.
  var badge = document.getElementById("outbox");
  if (badge && window.indexedDB && window.crypto && crypto.subtle) outbox(badge);

  function outbox(badge) {
    var HOUR = 3600000, KEEP = 72 * HOUR, WARN = 60 * HOUR;
    var me, tenant, onPage = document.body.hasAttribute("data-offline-page");
    var base, cryptoKey, busy = false, wait = 0, next = 0, queued = 0;
    var encoder = new TextEncoder(), decoder = new TextDecoder();

    function words(name, n, date) {
      return badge.getAttribute("data-" + name).replace("{n}", n).replace("{date}", date);
    }

    function open() {
      return base || (base = new Promise(function (resolve, reject) {
        var request = indexedDB.open("shouwang", 2);
        request.onupgradeneeded = function (evt) {
          var made = request.result;
          if (evt.oldVersion < 1) {
            made.createObjectStore("meta");
            made.createObjectStore("entries", { keyPath: "id", autoIncrement: true });
            made.createObjectStore("packs", { keyPath: "user" });
          }
          made.createObjectStore("pages", { keyPath: "key" });
        };
        request.onsuccess = function () {
          request.result.onversionchange = function () { request.result.close(); };
          resolve(request.result);
        };
        request.onerror = function () { reject(request.error); };
      }));
    }

    // One transaction on one store; answers the last request's result.
    function store(name, mode, work) {
      return open().then(function (made) {
        return new Promise(function (resolve, reject) {
          var t = made.transaction(name, mode || "readonly"), asked = work(t.objectStore(name));
          t.oncomplete = function () { resolve(asked && asked.readyState ? asked.result : asked); };
          t.onerror = t.onabort = function () { reject(t.error); };
        });
      });
    }

    function getKey() {
      return cryptoKey || (cryptoKey = store("meta", 0, function (s) { return s.get("key"); })
        .then(function (found) {
          if (found) return found;
          return crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false,
            ["encrypt", "decrypt"]).then(function (made) {
            return store("meta", "readwrite", function (s) { s.add(made, "key"); })
              .then(function () { return made; }, function () { cryptoKey = null; return getKey(); });
          });
        }));
    }

    function seal(value, into) {
      into.iv = crypto.getRandomValues(new Uint8Array(12));
      return getKey().then(function (k) {
        return crypto.subtle.encrypt({ name: "AES-GCM", iv: into.iv }, k,
          encoder.encode(JSON.stringify(value)));
      }).then(function (data) { into.data = data; return into; });
    }

    function unseal(kept) {
      return getKey().then(function (k) {
        return crypto.subtle.decrypt({ name: "AES-GCM", iv: kept.iv }, k, kept.data);
      }).then(function (data) { return JSON.parse(decoder.decode(data)); });
    }

    function entries() {
      return store("entries", 0, function (s) { return s.getAll(); });
    }

    function drop(id) {
      return store("entries", "readwrite", function (s) { s.delete(id); });
    }

    function mine(list, state) {
      return list.filter(function (e) { return e.user === me && e.state === state; });
    }

    function fresh(page) { return Date.now() - page.at < KEEP; }

    // A page holding forms that work without signal, kept sealed as it was last seen, so it
    // opens again without signal (the service worker answers with the offline page, which
    // shows this copy). Kept 72 hours, like the entries, and gone at logout. Only pages that
    // say so (data-keep): a child's card, say, holds more than a phone should carry.
    function keepPage(path, doc) {
      var main = doc.getElementById("main");
      if (!main || !main.querySelector("[data-keep]") || !main.querySelector("form[data-offline]")) return;
      var head = main.querySelector(".page-head") || main;
      return seal({ path: path, title: doc.title, html: main.innerHTML,
        name: head.textContent.replace(/\s+/g, " ").trim().slice(0, 80) },
        { key: me + " " + path, user: me, at: Date.now() }).then(function (page) {
        return store("pages", "readwrite", function (s) { s.put(page); });
      });
    }

    // The day's boards the today page leads to (a roll call, a headcount, a sign-in board),
    // kept before they are needed: fetched while there is signal, each at most once an hour.
    function keepAhead() {
      return Array.prototype.reduce.call(document.querySelectorAll("a[data-keep-offline]"),
        function (before, link) {
          var path = link.pathname + link.search;
          return before.then(function () {
            return store("pages", 0, function (s) { return s.get(me + " " + path); });
          }).then(function (kept) {
            if (kept && Date.now() - kept.at < HOUR) return;
            return fetch(path, { credentials: "same-origin" }).then(function (r) {
              return r.ok && r.text();
            }).then(function (html) {
              if (html) return keepPage(path, new DOMParser().parseFromString(html, "text/html"));
            });
          }).catch(function () {});
        }, Promise.resolve());
    }

    // Kept too long: gone, and said so; nearly so: said so.
    function tidy(loaded) {
      return entries().then(function (list) {
        var now = Date.now(), old = list.filter(function (e) { return now - e.at > KEEP; });
        if (old.length) say(words("expired", old.length));
        else if (loaded && list.some(function (e) { return now - e.at > WARN; })) say(words("expiring"));
        return Promise.all(old.map(function (e) { return drop(e.id); }));
      }).then(function () {
        return store("packs", "readwrite", function (s) { sweep(s, "expires"); });
      }).then(function () {
        return store("pages", "readwrite", function (s) { sweep(s); });
      });
    }

    // Out of date, or another person's while this one works (the offline page keeps all).
    function sweep(s, ends) {
      s.openCursor().onsuccess = function (evt) {
        var c = evt.target.result;
        if (!c) return;
        var v = c.value, over = ends ? v[ends] < Date.now() : !fresh(v);
        if (over || (me && !onPage && v.user !== me)) c.delete();
        c.continue();
      };
    }

    function show() {
      return entries().then(function (list) {
        var waiting = mine(list, "wait").length, problems = mine(list, "fix");
        var text = waiting ? words("waiting", waiting) : "";
        if (problems.length) text += (text ? " · " : "") + words("problems", problems.length);
        badge.textContent = text;
        badge.hidden = !text;
        badge.classList.toggle("has-problems", problems.length > 0);
        queued = waiting;
        if (onPage) window.offlinePage(api, list, waiting, problems);
        return waiting;
      });
    }

    // A form kept: its fields, photos (shrunk on choosing), when it was filled in. A board of
    // taps shares one uid: the tap (the submitter) completes the key.
    function keep(form, data, tap) {
      var uid = form.elements.uid ? form.elements.uid.value : crypto.randomUUID();
      var at = Date.now(), fields = [], files = [];
      if (tap && tap.name) uid += "|" + tap.name + "=" + tap.value;
      data.forEach(function (value, name) {
        if (typeof value === "string") { if (name !== "captured_at") fields.push([name, value]); }
        else if (value.size) files.push(value);
      });
      fields.push(["captured_at", new Date(at).toISOString()]);
      return entries().then(function (list) {
        if (list.some(function (e) { return e.uid === uid; })) return say(words("again"), "info");
        return Promise.all(files.map(function (file) {
          return new Promise(function (resolve) {
            var reader = new FileReader();
            reader.onload = function () { resolve([file.name, reader.result]); };
            reader.readAsDataURL(file);
          });
        })).then(function (photos) {
          var url = new URL(form.getAttribute("action") || location.href, location.href).href;
          var target = (form.getAttribute("hx-target") || "").replace("#", "");
          return seal({ url: url, target: target, fields: fields, photos: photos },
            { uid: uid, user: me, tenant: tenant, at: at, state: "wait" });
        }).then(function (entry) {
          return store("entries", "readwrite", function (s) { s.add(entry); });
        }).then(function () {
          say(words("kept"), "info");
          if (form.hasAttribute("data-fresh-uid")) {  // the next entry: the same day
            var day = form.elements.happened_on, picked = day && day.value;
            form.reset();
            if (day) day.value = picked;
            form.elements.uid.value = crypto.randomUUID();
          }
          return show();
        });
      });
    }

    // Sent as htmx would (a refusal answers 422): "net" and "login" stop the round, a refusal
    // answers its message.
    function post(url, body, token, target) {
      var stop = new AbortController(), timer = setTimeout(function () { stop.abort(); }, 20000);
      var headers = { "X-CSRFToken": token, "HX-Request": "true" };
      if (target) headers["HX-Target"] = target;
      return fetch(url, {
        method: "POST", body: body, credentials: "same-origin", signal: stop.signal, headers: headers
      }).then(function (answer) {
        clearTimeout(timer);
        if (answer.status === 401 || (answer.redirected && /\/login$/.test(new URL(answer.url).pathname))) {
          throw "login";
        }
        if (answer.ok) return null;
        if (answer.status >= 500 || answer.status === 429) throw "net";
        return answer.text().then(function (html) {
          var page = new DOMParser().parseFromString(html, "text/html");
          var found = Array.prototype.map.call(page.querySelectorAll(".error, .flash-error, h1"),
            function (n) { return n.textContent.trim(); }).filter(Boolean);
          return found.slice(0, 3).join(" ") || answer.status + " " + answer.statusText;
        });
      }, function () { clearTimeout(timer); throw "net"; });
    }

    function photo(dataUrl, name) {
      var bytes = atob(dataUrl.split(",")[1]), list = new Uint8Array(bytes.length);
      for (var i = 0; i < bytes.length; i++) list[i] = bytes.charCodeAt(i);
      var body = new FormData();
      body.append("photo", new Blob([list], { type: dataUrl.slice(5, dataUrl.indexOf(";")) }), name);
      return body;
    }

    // The record first, its photos after it (each numbered, so a repeat adds none twice).
    function send(entry, token) {
      return unseal(entry).then(function (kept) {
        var body = new FormData();
        kept.fields.forEach(function (f) { body.append(f[0], f[0] === "csrf_token" ? token : f[1]); });
        var sent = entry.sent ? Promise.resolve(null) : post(kept.url, body, token, kept.target);
        return sent.then(function (refused) {
          if (refused || !kept.photos.length) return [refused, kept];
          entry.sent = 1;
          return store("entries", "readwrite", function (s) { s.put(entry); }).then(function () {
            return kept.photos.reduce(function (before, p, n) {
              return before.then(function (no) {
                return no || post("/s/" + entry.tenant + "/offline/records/" + entry.uid + "/photos/" + n,
                  photo(p[1], p[0]), token);
              });
            }, Promise.resolve(null));
          }).then(function (no) { return [no, kept]; });
        });
      });
    }

    function refuse(entry, kept, message) {
      kept.message = message;
      entry.state = "fix";
      return seal(kept, entry).then(function () {
        say(words("rejected"));
        return store("entries", "readwrite", function (s) { s.put(entry); });
      });
    }

    // Oldest first, one at a time: a return never goes before its loan.
    function drain(token, done) {
      return entries().then(function (list) {
        var entry = mine(list, "wait")[0];
        if (!entry) return done;
        return send(entry, token).then(function (answer) {
          return answer[0] ? refuse(entry, answer[1], answer[0]) : drop(entry.id);
        }).then(function () { return drain(token, done + 1); });
      });
    }

    function sync(now) {
      if (busy || !me || (!now && Date.now() < next)) return Promise.resolve();
      busy = true;
      return entries().then(function (list) {
        if (!mine(list, "wait").length) return 0;
        return fetch("/csrf", { credentials: "same-origin", cache: "no-store" }).then(function (r) {
          if (r.status === 401) throw "login";
          if (!r.ok) throw "net";
          return r.json();
        }, function () { throw "net"; }).then(function (fresh) {
          if (String(fresh.user) !== me) throw "login";
          return drain(fresh.token, 0);
        });
      }).then(function (done) {
        wait = next = 0;
        if (done) say(words("sent", done), "success");
      }, function (why) {
        if (why === "login") {  // the badge leads to the login, back here after it
          say(words("login"), "info");
          badge.href = "/login?next=" + encodeURIComponent(location.pathname);
        }
        wait = Math.min(Math.max(wait * 2, 5000), 300000);
        next = Date.now() + wait;
      }).finally(function () { busy = false; show(); });
    }

    function fetchPack(form) {
      var query = new URLSearchParams(new FormData(form)).toString();
      return fetch(form.action + "?" + query, { credentials: "same-origin" }).then(function (r) {
        if (!r.ok) throw r.status;
        return r.json();
      }).then(function (pack) {
        var cards = pack.children;
        return seal(cards, { user: me, tenant: tenant, expires: Date.parse(pack.expires) })
          .then(function (kept) {
            return store("packs", "readwrite", function (s) { s.put(kept); });
          }).then(function () {
            say(words("packed", cards.length, new Date(pack.expires).toLocaleDateString()), "success");
          });
      }).catch(function () { say(badge.getAttribute("data-failed-msg")); });
    }

    function stopped(evt) { evt.preventDefault(); evt.stopImmediatePropagation(); }

    // Before htmx sees a form: without signal (or from the pack) it is kept; logout warns.
    document.addEventListener("submit", function (evt) {
      var form = evt.target;
      if (/\/logout$/.test(form.getAttribute("action") || "")) {
        if (form.going) return;
        stopped(evt);
        return entries().then(function (list) {
          var waiting = mine(list, "wait").length;
          if (waiting && !form.warned) {
            form.warned = true;
            return say(words("logout", waiting), "info");
          }
          return Promise.all(["packs", "pages"].map(function (name) {
            return store(name, "readwrite", function (s) { s.clear(); });
          })).then(function () {
            form.going = true;
            form.requestSubmit();
          });
        });
      }
      if (form.hasAttribute("data-pack")) { stopped(evt); return fetchPack(form); }
      // Behind entries still waiting it waits too: a return never goes before its loan.
      if (form.hasAttribute("data-offline") && me &&
          (!navigator.onLine || queued || form.hasAttribute("data-fresh-uid"))) {
        stopped(evt);
        var data = new FormData(form);
        if (evt.submitter && evt.submitter.name) data.append(evt.submitter.name, evt.submitter.value);
        keep(form, data, evt.submitter).then(function () { if (navigator.onLine) sync(true); });
      }
    }, true);

    function failed(evt) {
      var form = evt.detail.elt && evt.detail.elt.closest && evt.detail.elt.closest("form[data-offline]");
      var sent = evt.detail.requestConfig || {};
      if (form && me && (evt.type !== "htmx:responseError" || evt.detail.xhr.status >= 500)) {
        keep(form, sent.formData || new FormData(form), sent.triggeringEvent && sent.triggeringEvent.submitter);
      }
    }
    ["htmx:sendError", "htmx:timeout", "htmx:responseError"].forEach(function (name) {
      document.addEventListener(name, failed);
    });
    document.addEventListener("click", function (evt) {
      if (evt.target.closest && evt.target.closest("[data-sync]")) sync(true);
    });
    window.addEventListener("online", function () { sync(true); });
    window.setInterval(function () { tidy().then(function () { sync(false); }); }, 30000);
    if (navigator.serviceWorker) navigator.serviceWorker.register("/sw.js").catch(function () {});

    // Who is logged in, read again after each boosted page; the offline page names nobody
    // and takes whom this phone last served.
    var api = {
      me: function () { return [me, tenant]; }, store: store, unseal: unseal, drop: drop,
      show: show, words: words, fresh: fresh
    };

    function start() {
      badge = document.getElementById("outbox");
      me = badge.getAttribute("data-user");
      tenant = badge.getAttribute("data-tenant");
      return (me ? store("meta", "readwrite", function (s) { s.put({ user: me, tenant: tenant }, "last"); })
        : store("meta", 0, function (s) { return s.get("last"); }).then(function (last) {
          if (onPage && last) { me = last.user; tenant = last.tenant; }
        })).then(function () { return tidy(true); }).then(show).then(function () {
        if (onPage) window.offlineStart(api);
        else if (me && navigator.onLine) keepPage(location.pathname + location.search, document);
        return sync(true).then(function () { if (me && !onPage) return keepAhead(); });
      });
    }
    document.addEventListener("htmx:load", function (evt) {
      var root = evt.detail.elt;
      if (root.querySelector && root.querySelector("#outbox") && !onPage) start();
    });
    // Kept again after each answer swapped in: a part that moved the address on (a child's
    // pickup panel), a board as it now is.
    document.addEventListener("htmx:afterSettle", function () {
      if (me && navigator.onLine) keepPage(location.pathname + location.search, document);
    });
    start();
  }

  // A report's Print button: the browser's own print dialog (the page carries the A4 styles).
  document.addEventListener("click", function (evt) {
    if (evt.target.closest && evt.target.closest("[data-print]")) window.print();
  });

  // The login's end: the page says when, every answer moves it on
  // (X-Login-Expires). Two minutes before, a warning with a button that keeps it alive.
  var loginEnds = null;

  function readLoginClock() {
    var box = document.getElementById("login-warning");
    loginEnds = box ? Date.parse(box.getAttribute("data-expires")) : null;
  }

  function checkLogin() {
    var box = document.getElementById("login-warning");
    if (!box || loginEnds === null || isNaN(loginEnds)) return;
    var left = loginEnds - Date.now();
    if (left <= 0) {
      box.querySelector(".text").textContent = box.getAttribute("data-msg-ended");
      var button = box.querySelector("button");
      if (button) button.hidden = true;
    }
    box.hidden = left > 120000;
  }

  document.addEventListener("DOMContentLoaded", readLoginClock);
  document.addEventListener("htmx:afterSettle", readLoginClock);
  document.addEventListener("htmx:afterRequest", function (evt) {
    var ends = evt.detail.xhr && evt.detail.xhr.getResponseHeader("X-Login-Expires");
    if (ends) loginEnds = Date.parse(ends);
    checkLogin();
  });
  window.setInterval(checkLogin, 15000);

  // After the password prompt, the form typed before it is sent again by itself.
  function resume(root) {
    var form = (root.querySelector && root.querySelector("form[data-resume]")) || null;
    if (form && !form.dataset.sent) {
      form.dataset.sent = "1";
      form.requestSubmit ? form.requestSubmit() : form.submit();
    }
  }
  document.addEventListener("DOMContentLoaded", function () { resume(document); });
  document.addEventListener("htmx:load", function (evt) { resume(evt.detail.elt); });
})();
