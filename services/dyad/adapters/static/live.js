// dyad live page: polls api/live and copies the server's view model into the DOM.
// Article text is untrusted: it only ever goes through textContent, never innerHTML.
"use strict";

(function () {
  var POLL_MS = 3000;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function replace(id, children) {
    var target = document.getElementById(id);
    if (!target) return;
    while (target.firstChild) target.removeChild(target.firstChild);
    children.forEach(function (c) { target.appendChild(c); });
  }

  function setText(id, text) {
    var node = document.getElementById(id);
    if (node) node.textContent = String(text);
  }

  function row(cells, tag) {
    var tr = el("tr");
    cells.forEach(function (c) { tr.appendChild(el(tag || "td", c[1] || "", c[0])); });
    return tr;
  }

  function header(view) {
    var ready = document.getElementById("ready");
    ready.textContent = view.ready ? "ready" : "not ready";
    ready.className = "badge " + (view.ready ? "ok" : "bad");
    setText("reason", view.reason);
    setText("classifier", view.classifier_version);
    setText("updated", new Date().toLocaleTimeString());
    replace("cards", view.cards.map(function (c) {
      var card = el("div", "card");
      card.appendChild(el("div", "value", c.value));
      card.appendChild(el("div", "label", c.label));
      return card;
    }));
  }

  function charts(ch) {
    document.getElementById("in-line").setAttribute("points", ch.in_points);
    document.getElementById("out-line").setAttribute("points", ch.out_points);
    document.getElementById("lag-line").setAttribute("points", ch.lag_points);
    setText("span", ch.span);
    setText("rate-top", ch.rate_top);
    setText("lag-top", ch.lag_top);
    setText("lag-now", ch.lag_now);
  }

  function heatmap(h) {
    var table = document.getElementById("heatmap");
    var thead = el("thead");
    thead.appendChild(row([["pair"]].concat(h.sectors.map(function (s) { return [s]; })), "th"));
    var tbody = el("tbody");
    if (!h.rows.length) tbody.appendChild(row([["no events with a pair yet", "muted"]]));
    h.rows.forEach(function (r) {
      var tr = el("tr");
      tr.appendChild(el("th", "", r.pair));
      r.cells.forEach(function (c) { tr.appendChild(el("td", "h" + c.level, c.n ? c.n : "")); });
      tbody.appendChild(tr);
    });
    while (table.firstChild) table.removeChild(table.firstChild);
    table.appendChild(thead);
    table.appendChild(tbody);
  }

  function evidence(cls, code, terms) {
    var span = el("span", "ev " + cls);
    span.appendChild(el("b", "", code));
    span.appendChild(document.createTextNode(" " + terms.join(", ")));
    return span;
  }

  function eventItem(e) {
    var li = el("li", "event");
    var l1 = el("div", "line1");
    [["time", e.time], ["pair", e.pair], ["sector", e.sector], ["status " + e.status, e.status],
     ["title", e.title || e.id]].forEach(function (p) {
      l1.appendChild(el("span", p[0], p[1]));
      l1.appendChild(document.createTextNode(" "));
    });
    var l2 = el("div", "line2 muted");
    l2.appendChild(el("span", "source", e.source || ""));
    l2.appendChild(document.createTextNode(" "));
    l2.appendChild(el("span", "lang", e.language || ""));
    l2.appendChild(document.createTextNode(" "));
    l2.appendChild(el("span", "coverage",
      e.coverage.articles + " articles, " + e.coverage.sources + " outlets"));
    var ev = el("div", "evidence");
    e.countries.forEach(function (c) { ev.appendChild(evidence("country", c.code, c.evidence)); });
    e.sectors.forEach(function (s) { ev.appendChild(evidence("sector", s.id, s.evidence)); });
    li.appendChild(l1);
    li.appendChild(l2);
    li.appendChild(ev);
    return li;
  }

  function lists(view) {
    replace("events", view.events.length ? view.events.map(eventItem)
      : [el("li", "muted", "nothing yet")]);
    var reasons = view.dead_by_reason.map(function (kv) { return row([[kv[0]], [kv[1], "num"]]); });
    replace("dead-reasons", [el("tbody")]);
    var tb = document.querySelector("#dead-reasons tbody");
    (reasons.length ? reasons : [row([["none", "muted"]])]).forEach(function (r) { tb.appendChild(r); });
    replace("dead-recent", view.dead_recent.map(function (d) {
      var li = el("li");
      li.appendChild(el("span", "reason", d.reason));
      li.appendChild(el("span", "muted", " p" + d.partition + "@" + d.offset + " "));
      li.appendChild(document.createTextNode(d.message));
      return li;
    }));
    var kinds = view.duplicates_by_kind.map(function (kv) { return row([[kv[0]], [kv[1], "num"]]); });
    replace("dup-kinds", [el("tbody")]);
    var kb = document.querySelector("#dup-kinds tbody");
    (kinds.length ? kinds : [row([["none", "muted"]])]).forEach(function (r) { kb.appendChild(r); });
    var body = document.querySelector("#clusters tbody");
    while (body.firstChild) body.removeChild(body.firstChild);
    if (!view.clusters.length) body.appendChild(row([["none", "muted"]]));
    view.clusters.forEach(function (c) {
      body.appendChild(row([[c.title || c.cluster_id], [c.pair],
        [c.coverage.articles, "num"], [c.coverage.sources, "num"]]));
    });
  }

  var polls = 0;

  function render(view) {
    header(view);
    charts(view.charts);
    heatmap(view.heatmap);
    lists(view);
    polls += 1;
    document.body.setAttribute("data-polls", String(polls));
  }

  function poll() {
    fetch("api/live", { credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        if (r.status === 401) { window.location.reload(); return null; }
        return r.ok ? r.json() : null;
      })
      .then(function (view) { if (view) render(view); })
      .catch(function () { setText("updated", "unreachable"); })
      .then(function () { window.setTimeout(poll, POLL_MS); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setText("updated", new Date().toLocaleTimeString());
    window.setTimeout(poll, POLL_MS);
  });
})();
