// Filtering and sorting of the findings table. The state lives in the URL fragment
// (#provider=wooshpay&severity=breaking&kind=missing_field&q=text&sort=severity&dir=asc), so a filtered
// view can be linked to, and a headless browser can be pointed at one.
(function () {
  "use strict";
  var table = document.getElementById("findings-table");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  // Kept in maps, not data attributes: the page may hold thousands of rows and must stay light.
  var order = new Map();
  rows.forEach(function (row, index) { order.set(row, index); });
  var texts = new Map();
  var sortedBy = "";
  var form = document.getElementById("filters");
  var fields = ["provider", "severity", "kind", "q"];
  var state = { provider: "", severity: "", kind: "", q: "", sort: "", dir: "asc" };

  function readUrl() {
    var raw = window.location.hash.replace(/^#/, "") || window.location.search.replace(/^\?/, "");
    var params = new URLSearchParams(raw);
    fields.concat(["sort", "dir"]).forEach(function (key) { state[key] = params.get(key) || (key === "dir" ? "asc" : ""); });
    fields.forEach(function (key) { form.elements[key].value = state[key]; });
  }

  function writeUrl() {
    var params = new URLSearchParams();
    fields.concat(["sort"]).forEach(function (key) { if (state[key]) { params.set(key, state[key]); } });
    if (state.sort) { params.set("dir", state.dir); }
    var hash = params.toString();
    if (hash !== window.location.hash.replace(/^#/, "")) {
      history.replaceState(null, "", hash ? "#" + hash : window.location.pathname + window.location.search);
    }
  }

  function matches(row) {
    var d = row.dataset;
    var q = state.q.trim().toLowerCase();
    return (!state.provider || d.provider === state.provider) &&
      (!state.severity || d.severity === state.severity) &&
      (!state.kind || d.kind === state.kind) &&
      (!q || text(row).indexOf(q) !== -1);
  }

  function text(row) {
    var found = texts.get(row);
    if (found === undefined) {
      found = row.textContent.toLowerCase();
      texts.set(row, found);
    }
    return found;
  }

  function key(row, column) {
    var d = row.dataset;
    if (column === "severity") { return [Number(d.rank), order.get(row)]; }
    if (column === "count") { return [-Number(d.count), order.get(row)]; }
    return [(d[column] || "").toLowerCase(), order.get(row)];
  }

  function compare(a, b) {
    for (var i = 0; i < a.length; i++) {
      if (a[i] < b[i]) { return -1; }
      if (a[i] > b[i]) { return 1; }
    }
    return 0;
  }

  function reorder() {
    var wanted = state.sort ? state.sort + ":" + state.dir : "";
    if (wanted === sortedBy) { return; }
    sortedBy = wanted;
    var ordered = rows.slice();
    if (state.sort) {
      var sign = state.dir === "desc" ? -1 : 1;
      var keys = new Map();
      ordered.forEach(function (row) { keys.set(row, key(row, state.sort)); });
      ordered.sort(function (a, b) { return sign * compare(keys.get(a), keys.get(b)); });
    }
    var fragment = document.createDocumentFragment();
    ordered.forEach(function (row) { fragment.appendChild(row); });
    body.appendChild(fragment);
  }

  function render() {
    var shown = 0;
    reorder();
    rows.forEach(function (row) {
      var visible = matches(row);
      if (row.hidden === visible) { row.hidden = !visible; }
      if (visible) { shown += 1; }
    });
    document.getElementById("shown-count").textContent = String(shown);
    Array.prototype.forEach.call(table.tHead.querySelectorAll("th[data-sort]"), function (th) {
      if (th.dataset.sort === state.sort) { th.setAttribute("aria-sort", state.dir === "desc" ? "descending" : "ascending"); }
      else { th.removeAttribute("aria-sort"); }
    });
    document.body.dataset.filtered = "true";
  }

  form.addEventListener("input", function () {
    fields.forEach(function (key) { state[key] = form.elements[key].value; });
    writeUrl();
    render();
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
  table.tHead.addEventListener("click", function (event) {
    var th = event.target.closest("th[data-sort]");
    if (!th) { return; }
    state.dir = state.sort === th.dataset.sort && state.dir === "asc" ? "desc" : "asc";
    state.sort = th.dataset.sort;
    writeUrl();
    render();
  });
  window.addEventListener("hashchange", function () { readUrl(); render(); });
  readUrl();
  render();
})();
