// xl2report board: drag and drop onto the upload form, self-refresh when the ledger changes,
// and a word on the PDF link while the PDF is being made.
// Everything works without this file; it only makes the page nicer to use.
(function () {
  "use strict";

  function setupUpload() {
    var drop = document.getElementById("drop");
    var input = document.getElementById("files");
    var chosen = document.getElementById("chosen");
    if (!drop || !input) return;
    function show() {
      var names = [];
      for (var i = 0; i < input.files.length; i++) names.push(input.files[i].name);
      chosen.textContent = names.length ? "已选择 " + names.length + " 个文件：" + names.join("、") : "";
      chosen.className = "chosen";
    }
    input.addEventListener("change", show);
    ["dragenter", "dragover"].forEach(function (type) {
      drop.addEventListener(type, function (e) { e.preventDefault(); drop.classList.add("over"); });
    });
    ["dragleave", "drop"].forEach(function (type) {
      drop.addEventListener(type, function () { drop.classList.remove("over"); });
    });
    drop.addEventListener("drop", function (e) {
      e.preventDefault();
      if (e.dataTransfer && e.dataTransfer.files.length) {
        input.files = e.dataTransfer.files;
        show();
      }
    });
    var form = document.getElementById("upload-form");
    form.addEventListener("submit", function (e) {
      // Files over the limit are named with their real size before anything is sent (the
      // server refuses them too, as they stream in).
      var max = Number(form.getAttribute("data-max-bytes")) || 0;
      var big = [];
      for (var i = 0; i < input.files.length; i++) {
        if (max && input.files[i].size > max) {
          big.push("“" + input.files[i].name + "”有 " + (input.files[i].size / 1e6).toFixed(1) + " MB");
        }
      }
      if (big.length) {
        e.preventDefault();
        chosen.textContent = big.join("，") + "，超过每个文件 " + Math.round(max / 1e6) +
          " MB 的上限，没有上传；请去掉这些文件后再上传。";
        chosen.className = "chosen error-text";
        return;
      }
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      button.textContent = "正在上传和校验……";
    });
  }

  function setupRefresh() {
    var board = document.getElementById("board");
    if (!board || !window.fetch) return;
    var stamp = board.getAttribute("data-stamp");
    var busy = false;
    function replace() {
      return fetch(window.location.href, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (!html) return;
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.getElementById("board");
          var current = document.getElementById("board");
          if (!fresh || !current) return;
          // Keep what the clerk is choosing in the upload form.
          var upload = current.querySelector("#upload");
          var freshUpload = fresh.querySelector("#upload");
          if (upload && freshUpload) freshUpload.parentNode.replaceChild(upload, freshUpload);
          current.parentNode.replaceChild(fresh, current);
          stamp = fresh.getAttribute("data-stamp");
        });
    }
    function poll() {
      if (busy || document.hidden) return;
      busy = true;
      fetch("/api/stamp", { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (data && data.stamp !== stamp) return replace();
        })
        .catch(function () {})
        .then(function () { busy = false; });
    }
    window.setInterval(poll, 1000);
  }

  // 发送模板: words changed after the preview cannot be sent (the server refuses them too), so
  // say so at once and turn 发送 off until the clerk previews again.
  function setupMailWords() {
    var form = document.getElementById("send-form");
    var send = document.getElementById("send-button");
    var note = document.getElementById("words-changed");
    if (!form || !send || !note) return;
    function changed() {
      send.disabled = true;
      note.hidden = false;
      var preview = document.getElementById("preview");
      if (preview) preview.classList.add("stale");
    }
    ["subject", "deadline", "body"].forEach(function (id) {
      var field = document.getElementById(id);
      if (field) { field.addEventListener("input", changed); field.addEventListener("change", changed); }
    });
    var shown = document.getElementById("shown");  // another unit: preview it at once
    var preview = document.getElementById("preview-button");
    if (shown && preview && form.requestSubmit) {
      shown.addEventListener("change", function () { form.requestSubmit(preview); });
    }
  }

  // A report's PDF is made by LibreOffice the first time it is asked for (several seconds):
  // say so on the link, fetch it once, then download it (made by then, so at once).
  function setupPdf() {
    if (!window.fetch) return;
    document.addEventListener("click", function (e) {
      var link = e.target.closest ? e.target.closest("a.pdf") : null;
      if (!link || link.getAttribute("data-ready")) return;
      e.preventDefault();
      if (link.classList.contains("busy")) return;
      var label = link.textContent;
      link.classList.add("busy");
      link.setAttribute("aria-busy", "true");
      link.textContent = "正在生成 PDF……";
      fetch(link.href, { credentials: "same-origin" })
        .then(function (r) {
          link.classList.remove("busy");
          link.removeAttribute("aria-busy");
          if (!r.ok) { link.textContent = label + "（生成失败，请稍后再试）"; return; }
          link.textContent = label;
          link.setAttribute("data-ready", "1");
          window.location.href = link.href;
        })
        .catch(function () {
          link.classList.remove("busy");
          link.textContent = label + "（生成失败，请稍后再试）";
        });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setupUpload();
    setupRefresh();
    setupMailWords();
    setupPdf();
  });
})();
