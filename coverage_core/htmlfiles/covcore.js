// covcore HTML report: sorting and filtering of the index tables, highlight
// toggles and keyboard navigation of the file pages.  A classic script (not a
// module), so that it runs from file:// too; it needs nothing else.
(function () {
    "use strict";

    var store = {
        get: function (key) {
            try { return JSON.parse(window.localStorage.getItem("covcore:" + key)); } catch (e) { return null; }
        },
        set: function (key, value) {
            try { window.localStorage.setItem("covcore:" + key, JSON.stringify(value)); } catch (e) { /* private mode */ }
        }
    };

    // A percentage as the report shows it: never "100" unless all is
    // covered, never "0" unless nothing is.
    function displayPercent(covered, total, precision) {
        var pc = total > 0 ? 100 * covered / total : 100;
        var smallest = Math.pow(10, -precision);
        if (pc > 0 && pc < smallest) {
            pc = smallest;
        } else if (pc < 100 && pc > 100 - smallest) {
            pc = 100 - smallest;
        }
        return pc.toFixed(precision);
    }

    function isTyping(event) {
        var tag = event.target && event.target.tagName;
        return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (event.target && event.target.isContentEditable);
    }

    function setupHelp() {
        var help = document.getElementById("help");
        if (!help) { return function () {}; }
        var toggle = function (show) {
            help.hidden = show === undefined ? !help.hidden : !show;
            if (!help.hidden) { help.querySelector("button").focus(); }
        };
        help.querySelector(".close-help").addEventListener("click", function () { toggle(false); });
        return toggle;
    }

    // ---- Index pages ----

    var ALIASES = {
        statements: "stmts", stmt: "stmts", missing: "miss", excluded: "excl", exc: "excl",
        branches: "branch", br: "branch", partial: "part", brpart: "part", coverage: "cover", cov: "cover"
    };
    var TEST = {
        "<": function (a, b) { return a < b; },
        "<=": function (a, b) { return a <= b; },
        ">": function (a, b) { return a > b; },
        ">=": function (a, b) { return a >= b; },
        "=": function (a, b) { return a === b; },
        "==": function (a, b) { return a === b; }
    };

    // "pkg miss>0 cover<90" -> words ["pkg"], conditions [miss > 0, cover < 90].
    function parseFilter(text, keys) {
        var words = [], conditions = [], bad = [];
        text.trim().split(/\s+/).forEach(function (term) {
            if (!term) { return; }
            var m = /^([a-z]+)(<=|>=|==|<|>|=)(-?\d+(?:\.\d+)?)%?$/i.exec(term);
            if (m) {
                var key = m[1].toLowerCase();
                key = ALIASES[key] || key;
                if (keys.indexOf(key) >= 0) {
                    conditions.push({ key: key, test: TEST[m[2]], value: parseFloat(m[3]) });
                } else {
                    bad.push(m[1]);
                }
            } else {
                words.push(term.toLowerCase());
            }
        });
        return { words: words, conditions: conditions, bad: bad };
    }

    function setupIndex() {
        var table = document.getElementById("index");
        if (!table) { return; }
        var noun = document.body.getAttribute("data-noun");
        var tbody = table.tBodies[0];
        var rows = Array.prototype.slice.call(tbody.rows);
        // The last head row names the columns (a first one may group them).
        var headRows = table.tHead.rows;
        var heads = Array.prototype.slice.call(headRows[headRows.length - 1].cells);
        var keys = heads.map(function (th) { return th.getAttribute("data-key"); });
        // The Total row is the report's own and never changes: it counts
        // every file, those the report skipped too.  While a filter is on, a
        // second row, labelled, totals the rows shown.
        var totalRow = table.tFoot.rows[0];
        var filteredRow = totalRow.cloneNode(true);
        filteredRow.className = "filtered";
        filteredRow.hidden = true;
        var filteredLabel = filteredRow.cells[0];
        table.tFoot.appendChild(filteredRow);
        var filteredCells = filteredRow.cells;
        var precision = parseInt(table.getAttribute("data-precision"), 10) || 0;
        var nameColumns = keys.filter(function (key) { return key === "file" || key === noun; });
        var filter = document.getElementById("filter");
        var hideCovered = document.getElementById("hide-covered");
        var noRows = document.getElementById("no-rows");
        var hint = document.getElementById("filter-help");
        var hintText = hint ? hint.innerHTML : "";

        // Cells hold their sort value in data-v: text for names, numbers for the rest.
        var values = rows.map(function (row) {
            return Array.prototype.map.call(row.cells, function (cell, i) {
                var v = cell.getAttribute("data-v");
                return nameColumns.indexOf(keys[i]) >= 0 ? (v === null ? cell.textContent : v) : parseFloat(v);
            });
        });
        rows.forEach(function (row, i) { row._values = values[i]; row._order = i; });

        function sortBy(column, direction) {
            var textual = nameColumns.indexOf(keys[column]) >= 0;
            rows.sort(function (a, b) {
                var x = a._values[column], y = b._values[column], result;
                if (textual) {
                    result = x.localeCompare(y, undefined, { numeric: true, sensitivity: "base" });
                } else {
                    result = x - y;
                }
                return (result || a._order - b._order) * direction;
            });
            rows.forEach(function (row) { tbody.appendChild(row); });
            heads.forEach(function (th, i) {
                if (i === column) {
                    th.setAttribute("aria-sort", direction > 0 ? "ascending" : "descending");
                } else {
                    th.removeAttribute("aria-sort");
                }
            });
            store.set(noun + "-sort", [keys[column], direction]);
        }

        heads.forEach(function (th, column) {
            var button = th.querySelector("button");
            if (!button) { return; }
            button.addEventListener("click", function () {
                var now = th.getAttribute("aria-sort");
                var direction;
                if (now === "ascending") {
                    direction = -1;
                } else if (now === "descending") {
                    direction = 1;
                } else {
                    // Names first A-Z, numbers first the largest.
                    direction = nameColumns.indexOf(keys[column]) >= 0 ? 1 : -1;
                }
                sortBy(column, direction);
            });
        });

        // Percentage columns carry their counts: data-ratio="covered total".
        function isPercent(key) {
            var cell = totalRow.cells[keys.indexOf(key)];
            return !!(cell && cell.hasAttribute("data-ratio"));
        }

        function applyFilter() {
            var parsed = parseFilter(filter.value, keys);
            var hide = hideCovered.checked;
            var sums = {};
            var shown = 0;
            rows.forEach(function (row) {
                var names = nameColumns.map(function (key) { return String(row._values[keys.indexOf(key)]).toLowerCase(); }).join(" ");
                var ok = !(hide && row.getAttribute("data-full") === "1");
                ok = ok && parsed.words.every(function (word) { return names.indexOf(word) >= 0; });
                ok = ok && parsed.conditions.every(function (c) {
                    var value = row._values[keys.indexOf(c.key)];
                    if (isPercent(c.key)) {
                        value = parseFloat(row.cells[keys.indexOf(c.key)].textContent);
                    }
                    return c.test(value, c.value);
                });
                row.hidden = !ok;
                if (ok) {
                    shown += 1;
                    keys.forEach(function (key, i) {
                        if (nameColumns.indexOf(key) >= 0) { return; }
                        var ratio = row.cells[i].getAttribute("data-ratio");
                        if (ratio !== null) {
                            var parts = ratio.split(" ");
                            sums[key + ":covered"] = (sums[key + ":covered"] || 0) + parseInt(parts[0], 10);
                            sums[key + ":total"] = (sums[key + ":total"] || 0) + parseInt(parts[1], 10);
                        } else {
                            sums[key] = (sums[key] || 0) + row._values[i];
                        }
                    });
                }
            });
            var filtering = filter.value.trim() !== "" || hide;
            filteredRow.hidden = !filtering;
            if (filtering) {
                filteredLabel.textContent = "Filtered total (" + shown + " of " + rows.length + " " +
                    (rows.length === 1 ? noun : document.body.getAttribute("data-plural") || noun + "s") + ")";
                keys.forEach(function (key, i) {
                    if (nameColumns.indexOf(key) >= 0) { return; }
                    var cell = filteredCells[i];
                    if (isPercent(key)) {
                        cell.textContent = displayPercent(sums[key + ":covered"] || 0, sums[key + ":total"] || 0, precision) + "%";
                    } else {
                        cell.textContent = String(sums[key] || 0);
                    }
                });
            }
            noRows.hidden = shown > 0;
            if (hint) {
                hint.innerHTML = parsed.bad.length
                    ? "Unknown column: " + parsed.bad.join(", ").replace(/[<>&]/g, "") + ". " + hintText
                    : hintText;
            }
            store.set(noun + "-filter", [filter.value, hide]);
        }

        filter.addEventListener("input", applyFilter);
        hideCovered.addEventListener("change", applyFilter);

        var savedSort = store.get(noun + "-sort");
        if (savedSort && keys.indexOf(savedSort[0]) >= 0) {
            sortBy(keys.indexOf(savedSort[0]), savedSort[1] < 0 ? -1 : 1);
        }
        var savedFilter = store.get(noun + "-filter");
        if (savedFilter) {
            filter.value = savedFilter[0] || "";
            hideCovered.checked = !!savedFilter[1];
        }
        applyFilter();

        var toggleHelp = setupHelp();
        document.addEventListener("keydown", function (event) {
            if (event.ctrlKey || event.metaKey || event.altKey) { return; }
            if (event.key === "Escape" && isTyping(event)) { event.target.blur(); return; }
            if (isTyping(event)) { return; }
            if (event.key === "/") {
                event.preventDefault();
                filter.focus();
            } else if (event.key === "?") {
                toggleHelp();
            } else if (event.key === "Escape") {
                toggleHelp(false);
            }
        });
    }

    // ---- File pages ----

    function setupFile() {
        var source = document.getElementById("source");
        if (!source) { return; }
        var body = document.body;
        var lines = Array.prototype.slice.call(source.children);
        var position = document.querySelector(".position");

        // Missed regions: runs of missing or partial lines; lines that are
        // not statements (blank, comments) inside a run do not end it.
        var regions = [];
        var current = null, pending = [];
        lines.forEach(function (line) {
            var cl = line.classList;
            if (cl.contains("mis") || cl.contains("par")) {
                if (!current) { current = []; regions.push(current); pending = []; }
                Array.prototype.push.apply(current, pending);
                pending = [];
                current.push(line);
            } else if (cl.contains("run") || cl.contains("exc")) {
                current = null;
                pending = [];
            } else if (current) {
                pending.push(line);
            }
        });
        var at = -1;

        function show(index) {
            if (!regions.length) {
                if (position) { position.textContent = "No missed lines."; }
                return;
            }
            if (at >= 0) {
                regions[at].forEach(function (line) { line.classList.remove("current", "first", "last"); });
            }
            at = Math.max(0, Math.min(regions.length - 1, index));
            var region = regions[at];
            region.forEach(function (line) { line.classList.add("current"); });
            region[0].classList.add("first");
            region[region.length - 1].classList.add("last");
            region[0].scrollIntoView({ block: "center" });
            var link = region[0].querySelector(".n");
            if (link) { link.focus({ preventScroll: true }); }
            if (position) {
                var first = region[0].id.slice(1), last = region[region.length - 1].id.slice(1);
                position.textContent = "Missed region " + (at + 1) + " of " + regions.length + ": line" +
                    (first === last ? " " + first : "s " + first + "-" + last);
            }
        }

        function next() { show(at < 0 ? firstAfterView() : at + 1); }
        function prev() { show(at < 0 ? firstAfterView() - 1 : at - 1); }
        function firstAfterView() {
            for (var i = 0; i < regions.length; i++) {
                if (regions[i][0].getBoundingClientRect().top >= 0) { return i; }
            }
            return regions.length - 1;
        }

        // Highlight toggles, remembered across pages.
        var toggles = Array.prototype.slice.call(document.querySelectorAll(".toggle"));
        var shown = store.get("show") || { run: false, mis: true, par: true, exc: true };
        function applyToggles() {
            toggles.forEach(function (button) {
                var category = button.getAttribute("data-category");
                var on = category === "run" ? shown.run === true : shown[category] !== false;
                button.setAttribute("aria-pressed", on ? "true" : "false");
                source.classList.toggle("show-" + category, on);
            });
        }
        function flip(category) {
            shown[category] = category === "run" ? shown.run !== true : shown[category] === false;
            store.set("show", shown);
            applyToggles();
        }
        toggles.forEach(function (button) {
            button.addEventListener("click", function () { flip(button.getAttribute("data-category")); });
        });
        applyToggles();

        var nextButton = document.querySelector(".next-missed");
        var prevButton = document.querySelector(".prev-missed");
        if (nextButton) { nextButton.addEventListener("click", next); }
        if (prevButton) { prevButton.addEventListener("click", prev); }

        var go = function (attr) {
            var url = body.getAttribute(attr);
            if (url) { window.location.href = url; }
        };
        var toggleHelp = setupHelp();
        var keys = {
            j: next, n: next, k: prev, p: prev,
            "]": function () { go("data-next"); },
            "[": function () { go("data-prev"); },
            u: function () { window.location.href = "index.html"; },
            r: function () { flip("run"); }, m: function () { flip("mis"); },
            x: function () { flip("exc"); }, b: function () { flip("par"); },
            "?": function () { toggleHelp(); },
            Escape: function () { toggleHelp(false); }
        };
        document.addEventListener("keydown", function (event) {
            if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event)) { return; }
            var action = keys[event.key];
            if (action) {
                event.preventDefault();
                action();
            }
        });
        if (position && !regions.length) { position.textContent = "No missed lines."; }
    }

    function start() {
        if (document.body.getAttribute("data-page") === "index") {
            setupIndex();
        } else {
            setupFile();
        }
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
}());
