/* sspr-audit report: paged, searchable, sortable tables and the user detail.
   Data comes from <script id="data"> (layout documented in sspr_audit/render/html_data.py).
   Every piece of data is inserted with textContent: never as HTML. */
(() => {
  "use strict";
  const D = JSON.parse(document.getElementById("data").textContent);
  const S = D.s;
  const PAGE = 100;
  const U = { upn: 0, name: 1, dept: 2, mgr: 3, type: 4, status: 5, reason: 6, admin: 7, required: 8,
    usable: 9, methods: 10, coll: 11, collReason: 12, roles: 13, synced: 14, uncounted: 15, losesOn: 16,
    losesBecause: 17, msFlags: 18, lastReset: 19 };
  const F = { rule: 0, sev: 1, user: 2, field: 3, value: 4, msg: 5, sugg: 6, upn: 7, name: 8 };
  const NO_DEPT = "(no department)";
  /* Search ignores case and accents ("schroder" finds Schröder); a query of digits matches phone numbers
     however they are spaced ("+44 7723 033442", "447723033442"). */
  const fold = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  const PHONE_QUERY = /^[+\d\s().-]*\d{4}[+\d\s().-]*$/;
  const digitsOf = (value) => {
    const digits = value.replace(/\D/g, "");
    return digits.length >= 4 ? digits : "";
  };

  /* The CSV a spreadsheet opens safely: a field that starts like a formula gets a leading quote, as the
     server-side CSV report does (leading blanks dropped, compatibility forms folded first). */
  const FORMULA = /^[=+\-@\t\r]/;
  function neutralise(value) {
    const head = value.slice(0, 64).normalize("NFKC").replace(/^[\s\u200b-\u200f\u2060\ufeff]+/, "");
    return FORMULA.test(value) || FORMULA.test(head) ? "'" + value : value;
  }
  const csvField = (value) => {
    const text = neutralise(String(value));
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  };
  function download(name, header, rows) {
    const lines = [header, ...rows].map((r) => r.map(csvField).join(","));
    const blob = new Blob(["\ufeff" + lines.join("\r\n") + "\r\n"], { type: "text/csv;charset=utf-8" });
    const a = el("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 0);
  }

  const str = (i) => (i === null || i === undefined ? "" : S[i]);
  /* A message no other finding shares is stored as its clauses (see html_data.py). */
  const messageParts = (i) => {
    const m = D.f[i][F.msg];
    return Array.isArray(m) ? m.map(str) : str(m);
  };
  const message = (i) => {
    const m = messageParts(i);
    return typeof m === "string" ? m : m.join("");
  };
  const num = (n) => n.toLocaleString("en-US");

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function badge(kind, index) {
    const pair = kind === "st" ? D.st[index] : D.sv[index];
    return el("span", pair[1], "badge " + kind + "-" + pair[0]);
  }

  /* A value that wraps only after ", ", before "@" or "#EXT#", or between a field and its value: never inside
     a name, a domain or a phone number. */
  function unbroken(text) {
    const box = el("span");
    text.split(/(?<=, )|(?=@)|(?=#EXT#)|(?<=\] )|(?<=[A-Za-z] )(?=[+\d])/).forEach((part, i) => {
      if (i) box.appendChild(document.createElement("wbr"));
      box.appendChild(el("span", part, "nw"));
    });
    return box;
  }

  function userButton(u) {
    const b = el("button", null, "link");
    b.appendChild(unbroken(str(D.u[u][U.upn])));
    b.type = "button";
    b.dataset.user = String(u);
    return b;
  }

  /* The user cell of a wide table: the UPN, and below it the columns that collapse on narrow pages. */
  function userCell(u, extra) {
    const box = document.createDocumentFragment();
    box.appendChild(userButton(u));
    const more = extra.filter(Boolean).join(" · ");
    if (more) box.appendChild(el("span", more, "sub"));
    return box;
  }

  function ruleLink(r) {
    const a = el("a", D.r[r][0]);
    a.href = "#rule-" + D.r[r][0];
    a.title = D.r[r][1];
    return a;
  }

  const findingUser = (i) => D.f[i][F.user];
  const findingUpn = (i) => (findingUser(i) >= 0 ? str(D.u[findingUser(i)][U.upn]) : str(D.f[i][F.upn]));
  const findingName = (i) => (findingUser(i) >= 0 ? str(D.u[findingUser(i)][U.name]) : str(D.f[i][F.name]));
  const findingDept = (i) => (findingUser(i) >= 0 ? str(D.u[findingUser(i)][U.dept]) : "");
  const findingStatus = (i) => (findingUser(i) >= 0 ? D.u[findingUser(i)][U.status] : -1);
  const notRead = (u) => D.st[D.u[u][U.status]][0] === "unknown";
  /* "not read" for a user whose methods could not be read: never "0 / 2". */
  const usableText = (u) => (notRead(u) ? "not read" : D.u[u][U.usable] + " / " + D.u[u][U.required]);
  const adminText = (u) => ["", "yes", "PIM eligible"][D.u[u][U.admin]];

  const byUser = new Map();
  D.f.forEach((f, i) => {
    if (f[F.user] >= 0) {
      if (!byUser.has(f[F.user])) byUser.set(f[F.user], []);
      byUser.get(f[F.user]).push(i);
    }
  });

  /* A table showing `size` rows a page at a time; cfg.columns give each cell and its sort key. */
  function explorer(cfg) {
    const table = document.getElementById(cfg.id);
    const tbody = table.tBodies[0];
    const heads = Array.from(table.tHead.rows[0].cells);
    const classes = heads.map((h) => h.className);
    const pager = document.getElementById(cfg.id + "-pager");
    const prev = pager.querySelector(".prev");
    const next = pager.querySelector(".next");
    const info = pager.querySelector(".info");
    const count = document.getElementById(cfg.id + "-count");
    const search = document.getElementById(cfg.id + "-q");
    let order = Array.from({ length: cfg.size }, (_, i) => i);
    let view = order;
    let page = 0;
    let sortColumn = -1;
    let sortDirection = 1;
    /* A row matches when one of its texts does: each distinct text is folded once, on the first search, and
       tested once per search, however many rows share it (a million-user report repeats most of them). A text
       given as parts (a message stored as its clauses) is tested whole, its parts folded once each. */
    const folded = new Map();
    const foldOf = (text) => {
      let f = folded.get(text);
      if (f === undefined) folded.set(text, (f = fold(text)));
      return f;
    };

    function apply() {
      const typed = search.value.trim();
      const q = PHONE_QUERY.test(typed) ? typed.replace(/\D/g, "") : fold(typed);
      const keep = cfg.filter();
      const seen = new Map();
      const phones = new Map();
      const inText = (text) => {
        let hit = seen.get(text);
        if (hit === undefined) seen.set(text, (hit = foldOf(text).includes(q)));
        return hit;
      };
      const inPhone = (text) => {
        let hit = phones.get(text);
        if (hit === undefined) phones.set(text, (hit = digitsOf(text).includes(q)));
        return hit;
      };
      const matches = (text) => (typeof text === "string" ? inText(text) : text.map(foldOf).join("").includes(q));
      view = order.filter((i) => keep(i) && (!q || cfg.texts(i).some(matches) || cfg.phones(i).some(inPhone)));
      page = 0;
      draw();
    }

    function sortBy(c) {
      sortDirection = c === sortColumn ? -sortDirection : 1;
      sortColumn = c;
      const keyOf = cfg.columns[c].key;
      const keys = new Array(cfg.size);
      for (let i = 0; i < cfg.size; i++) keys[i] = keyOf(i);
      const compare = (a, b) => (keys[a] < keys[b] ? -sortDirection : keys[a] > keys[b] ? sortDirection : a - b);
      order = order.slice().sort(compare);
      view = view.slice().sort(compare);
      heads.forEach((h, j) => {
        if (j === c) h.setAttribute("aria-sort", sortDirection > 0 ? "ascending" : "descending");
        else h.removeAttribute("aria-sort");
      });
      page = 0;
      draw();
    }

    function draw() {
      const pages = Math.max(1, Math.ceil(view.length / PAGE));
      page = Math.min(Math.max(page, 0), pages - 1);
      const rows = document.createDocumentFragment();
      for (const i of view.slice(page * PAGE, (page + 1) * PAGE)) {
        const tr = document.createElement("tr");
        cfg.columns.forEach((column, c) => {
          const td = document.createElement("td");
          const content = column.cell(i);
          if (content instanceof Node) td.appendChild(content);
          else td.textContent = content;
          if (classes[c]) td.className = classes[c];
          tr.appendChild(td);
        });
        rows.appendChild(tr);
      }
      tbody.replaceChildren(rows);
      count.textContent = view.length === cfg.size
        ? num(cfg.size) + " " + cfg.noun
        : num(view.length) + " of " + num(cfg.size) + " " + cfg.noun + " match";
      info.textContent = view.length
        ? "rows " + num(page * PAGE + 1) + "–" + num(Math.min(view.length, (page + 1) * PAGE)) +
          ", page " + num(page + 1) + " of " + num(pages)
        : "no rows";
      prev.disabled = page === 0;
      next.disabled = page >= pages - 1;
    }

    heads.forEach((h, c) => h.querySelector("button").addEventListener("click", () => sortBy(c)));
    prev.addEventListener("click", () => { page -= 1; draw(); });
    next.addEventListener("click", () => { page += 1; draw(); });
    let timer = 0;
    search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(apply, 200); });
    cfg.selects.forEach((s) => s.addEventListener("change", apply));
    document.getElementById(cfg.id + "-csv").addEventListener("click", () =>
      download(cfg.file, cfg.columns.map((c, j) => heads[j].querySelector("button").textContent.trim()), view.map((i) =>
        cfg.columns.map((c) => c.csv(i)))));
    apply();
  }

  const selected = (id) => {
    const v = document.getElementById(id).value;
    return v === "" ? null : v;
  };
  const lower = (text) => text.toLowerCase();

  explorer({
    id: "ft",
    noun: "findings",
    file: "sspr-audit-findings.csv",
    phones: (i) => [str(D.f[i][F.value])],
    size: D.f.length,
    selects: ["ft-sev", "ft-rule", "ft-st"].map((id) => document.getElementById(id)),
    filter() {
      const sev = selected("ft-sev");
      const rule = selected("ft-rule");
      const st = selected("ft-st");
      return (i) => (sev === null || D.f[i][F.sev] === +sev) && (rule === null || D.f[i][F.rule] === +rule) &&
        (st === null || findingStatus(i) === +st);
    },
    texts: (i) => [D.r[D.f[i][F.rule]][0], D.r[D.f[i][F.rule]][1], findingUpn(i), findingName(i), findingDept(i),
      str(D.f[i][F.field]), str(D.f[i][F.value]), messageParts(i), str(D.f[i][F.sugg])],
    columns: [
      { key: (i) => D.f[i][F.sev], cell: (i) => badge("sv", D.f[i][F.sev]), csv: (i) => D.sv[D.f[i][F.sev]][1] },
      { key: (i) => D.r[D.f[i][F.rule]][0], cell: (i) => ruleLink(D.f[i][F.rule]), csv: (i) => D.r[D.f[i][F.rule]][0] },
      { key: (i) => lower(findingUpn(i)), cell: (i) => (findingUser(i) >= 0 ? userCell(findingUser(i), [findingName(i), findingDept(i)]) : findingUpn(i) || "(tenant)"), csv: findingUpn },
      { key: (i) => lower(findingName(i)), cell: findingName, csv: findingName },
      { key: (i) => lower(findingDept(i)), cell: findingDept, csv: findingDept },
      { key: findingStatus, cell: (i) => (findingStatus(i) >= 0 ? badge("st", findingStatus(i)) : ""), csv: (i) => (findingStatus(i) >= 0 ? D.st[findingStatus(i)][1] : "") },
      { key: (i) => lower(str(D.f[i][F.field])), cell: (i) => str(D.f[i][F.field]), csv: (i) => str(D.f[i][F.field]) },
      { key: (i) => lower(str(D.f[i][F.value])), cell: (i) => unbroken(str(D.f[i][F.value])), csv: (i) => str(D.f[i][F.value]) },
      { key: (i) => lower(message(i)), cell: (i) => message(i), csv: (i) => message(i) },
      { key: (i) => lower(str(D.f[i][F.sugg])), cell: (i) => str(D.f[i][F.sugg]), csv: (i) => str(D.f[i][F.sugg]) },
    ],
  });

  explorer({
    id: "ut",
    noun: "users",
    file: "sspr-audit-users.csv",
    phones: (i) => D.u[i][U.methods].map((m) => str(m[3])).concat(D.u[i][U.uncounted].map((m) => str(m[0]))),
    size: D.u.length,
    selects: ["ut-st", "ut-admin", "ut-coll", "ut-loses"].map((id) => document.getElementById(id)),
    filter() {
      const st = selected("ut-st");
      const admin = selected("ut-admin");
      const coll = selected("ut-coll");
      const loses = selected("ut-loses");
      return (i) => (st === null || D.u[i][U.status] === +st) &&
        (admin === null || (D.u[i][U.admin] > 0) === (admin === "admin")) &&
        (coll === null || (str(D.u[i][U.coll]) === "ok") === (coll === "ok")) &&
        (loses === null || (loses === "any" ? D.u[i][U.losesOn] !== null : str(D.u[i][U.losesOn]) === loses));
    },
    texts: (i) => [U.upn, U.name, U.dept, U.mgr, U.reason, U.collReason].map((k) => str(D.u[i][k]))
      .concat(D.u[i][U.roles].map(str), D.u[i][U.methods].map((m) => str(m[3])), D.u[i][U.uncounted].map((m) => str(m[0]))),
    columns: [
      { key: (i) => lower(str(D.u[i][U.upn])), cell: (i) => userCell(i, [str(D.u[i][U.name]), D.u[i][U.mgr] === null ? "" : "manager " + str(D.u[i][U.mgr])]), csv: (i) => str(D.u[i][U.upn]) },
      { key: (i) => lower(str(D.u[i][U.name])), cell: (i) => str(D.u[i][U.name]), csv: (i) => str(D.u[i][U.name]) },
      { key: (i) => lower(str(D.u[i][U.dept])), cell: (i) => str(D.u[i][U.dept]), csv: (i) => str(D.u[i][U.dept]) },
      { key: (i) => lower(str(D.u[i][U.mgr])), cell: (i) => str(D.u[i][U.mgr]), csv: (i) => str(D.u[i][U.mgr]) },
      { key: (i) => D.u[i][U.status], cell: (i) => badge("st", D.u[i][U.status]), csv: (i) => D.st[D.u[i][U.status]][1] },
      { key: (i) => -D.u[i][U.admin], cell: adminText, csv: adminText },
      { key: (i) => (notRead(i) ? -99 : D.u[i][U.usable] - D.u[i][U.required]), cell: usableText, csv: usableText },
      { key: (i) => lower(str(D.u[i][U.reason])), cell: (i) => str(D.u[i][U.reason]), csv: (i) => str(D.u[i][U.reason]) },
      { key: (i) => str(D.u[i][U.losesOn]) || "9", cell: (i) => str(D.u[i][U.losesOn]), csv: (i) => str(D.u[i][U.losesOn]) },
      { key: (i) => str(D.u[i][U.coll]), cell: (i) => str(D.u[i][U.coll]), csv: (i) => str(D.u[i][U.coll]) },
    ],
  });

  /* The user detail dialog. */
  const dialog = document.getElementById("detail");
  const title = document.getElementById("detail-h");
  const body = document.getElementById("detail-body");

  function facts(pairs) {
    const dl = el("dl");
    for (const [term, value] of pairs) {
      dl.appendChild(el("dt", term));
      const dd = el("dd");
      if (value instanceof Node) dd.appendChild(value);
      else dd.textContent = value;
      dl.appendChild(dd);
    }
    return dl;
  }

  function methodTable(methods) {
    const table = el("table", null, "data methods");
    const head = table.createTHead().insertRow();
    for (const label of ["Method", "Source", "Where found", "Value", "Defect"]) {
      const th = el("th", label);
      th.scope = "col";
      head.appendChild(th);
    }
    const tbody = table.createTBody();
    for (const m of methods) {
      const row = tbody.insertRow();
      row.insertCell().textContent = D.ml[str(m[0])] || str(m[0]);
      row.insertCell().textContent = m[1] ? "directory data (never registered by the user)" : "registered";
      row.insertCell().textContent = str(m[2]);
      row.insertCell().textContent = str(m[3]);
      const defect = row.insertCell();
      if (m[4]) defect.appendChild(el("span", "defective: may not work", "defect"));
    }
    return table;
  }

  function uncountedTable(items) {
    const table = el("table", null, "data uncounted");
    const head = table.createTHead().insertRow();
    for (const label of ["What the user has", "Why it does not count"]) {
      const th = el("th", label);
      th.scope = "col";
      head.appendChild(th);
    }
    const tbody = table.createTBody();
    for (const [what, why] of items) {
      const row = tbody.insertRow();
      row.insertCell().textContent = str(what);
      row.insertCell().textContent = str(why);
    }
    return table;
  }

  function findingBlock(i) {
    const f = D.f[i];
    const box = el("div", null, "finding sv-" + D.sv[f[F.sev]][0]);
    const head = el("p");
    head.append(badge("sv", f[F.sev]), " ", ruleLink(f[F.rule]), " ", D.r[f[F.rule]][1]);
    box.appendChild(head);
    box.appendChild(el("p", message(i)));
    if (f[F.field] !== null || f[F.value] !== null) {
      box.appendChild(el("p", str(f[F.field]) + (f[F.value] !== null ? ": " + str(f[F.value]) : "")));
    }
    if (f[F.sugg] !== null) box.appendChild(el("p", "Suggestion: " + str(f[F.sugg])));
    return box;
  }

  function openUser(u) {
    const r = D.u[u];
    title.textContent = (str(r[U.name]) || str(r[U.upn])) + " (" + str(r[U.upn]) + ")";
    const status = el("span");
    status.append(badge("st", r[U.status]), " ", str(r[U.reason]));
    const roles = r[U.roles].map(str).join(", ");
    const coll = str(r[U.coll]) + (r[U.collReason] !== null ? ": " + str(r[U.collReason]) : "");
    const parts = [
      facts([
        ["Status", status],
        ...(r[U.msFlags] == null ? [] : [["Microsoft's SSPR flags", str(r[U.msFlags])]]),
        ["Last reset attempt", str(r[U.lastReset] ?? D.na)],
        ["User principal name", str(r[U.upn])],
        ["Department", str(r[U.dept]) || NO_DEPT],
        ["Manager", str(r[U.mgr])],
        ["User type", str(r[U.type])],
        ["Synced from on-premises", r[U.synced] === null ? "unknown" : r[U.synced] ? "yes" : "no"],
        ["Administrator", r[U.admin] ? adminText(u) + (roles ? ": " + roles : "") : "no"],
        ["Methods usable / required", usableText(u)],
        ["Loses SSPR", r[U.losesOn] === null ? "not at any announced change" :
          str(r[U.losesOn]) + ": " + str(r[U.losesBecause])],
        ["Data collection", coll],
      ]),
      el("h3", "SSPR methods that count"),
      r[U.methods].length ? methodTable(r[U.methods]) : el("p", "None."),
      el("h3", "What does not count, and why"),
      r[U.uncounted].length ? uncountedTable(r[U.uncounted]) : el("p", "Nothing else."),
      el("h3", "Findings"),
    ];
    const mine = byUser.get(u) || [];
    if (mine.length) mine.forEach((i) => parts.push(findingBlock(i)));
    else parts.push(el("p", "None."));
    body.replaceChildren(...parts);
    if (!dialog.open) dialog.showModal();
  }

  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const button = target && target.closest("button[data-user]");
    if (button) {
      openUser(Number(button.dataset.user));
      return;
    }
    if (target && dialog.open && target.closest("#detail a[href^='#']")) dialog.close();
  });
  document.getElementById("detail-close").addEventListener("click", () => dialog.close());
})();
