// The statements page: a file dropped on the drop zone or picked is uploaded with its progress
// (XHR's upload events), then the import's stages are polled from the server until it is done;
// the server's answer for a file it refuses is shown in the page's own words.
(function () {
  "use strict";
  var upload = document.getElementById("upload");
  if (!upload) {
    return;
  }
  var csrf = document.body.dataset.csrf;
  var max = parseInt(upload.dataset.max, 10);
  var input = document.getElementById("file");
  var drop = document.getElementById("drop");
  var progress = document.getElementById("progress");
  var bar = document.getElementById("progress-bar");
  var words = document.getElementById("progress-text");
  var messages = document.getElementById("messages");
  var POLL_MS = 400;
  var busy = false;

  function stageWords(stage) {
    return messages.querySelector('[data-stage="' + stage + '"]').textContent;
  }

  function setProgress(percent, text) {
    progress.hidden = false;
    bar.style.width = percent + "%";
    bar.setAttribute("aria-valuenow", String(percent));
    if (text) {
      words.textContent = text;
    }
  }

  function hideMessages() {
    messages.querySelectorAll("[data-message]").forEach(function (node) { node.hidden = true; });
  }

  function show(name, fill) {
    busy = false;
    drop.classList.remove("busy");
    progress.hidden = true;
    hideMessages();
    var node = messages.querySelector('[data-message="' + name + '"]');
    if (fill) {
      fill(node);
    }
    node.hidden = false;
  }

  function finished(answer) {
    if (answer.state === "done") {
      setProgress(100, answer.stage);
      window.location.assign(answer.next);
    } else if (answer.state === "refused") {
      show("refused", function (node) {
        node.querySelector(".count").textContent = String(answer.error_count);
        var list = node.querySelector(".errors");
        list.textContent = "";
        answer.errors.forEach(function (error) {
          var item = document.createElement("li");
          item.textContent = error;
          list.appendChild(item);
        });
      });
    } else if (answer.state === "mapping") {
      show("mapping", function (node) {
        node.querySelector(".columns").textContent = answer.columns.join(" · ");
      });
    } else {
      show("failed");
    }
  }

  function poll(url) {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.json();
      })
      .then(function (answer) {
        if (answer.state === "running") {
          setProgress(answer.percent, answer.stage);
          window.setTimeout(function () { poll(url); }, POLL_MS);
        } else {
          finished(answer);
        }
      })
      .catch(function () { show("failed"); });
  }

  function refused(answer) {
    if (answer.reason === "not_statement") {
      show("not_statement", function (node) {
        node.querySelector(".why").textContent = answer.why;
      });
    } else if (answer.reason === "too_big") {
      show("too_big");
    } else {
      show("failed");
    }
  }

  function send(file) {
    if (busy || !file) {
      return;
    }
    hideMessages();
    if (file.size > max) {
      show("too_big");
      return;
    }
    if (file.size === 0) {
      show("empty");
      return;
    }
    busy = true;
    drop.classList.add("busy");
    setProgress(0, stageWords("upload"));
    var form = new FormData();
    form.append("file", file, file.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", upload.dataset.upload);
    xhr.setRequestHeader("X-CSRF-Token", csrf);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.responseType = "json";
    xhr.upload.addEventListener("progress", function (event) {
      if (event.lengthComputable) {
        setProgress(Math.round((40 * event.loaded) / event.total), stageWords("upload"));
      }
    });
    xhr.addEventListener("load", function () {
      var answer = xhr.response || {};
      if (xhr.status === 202 && answer.ok) {
        setProgress(answer.percent, answer.stage || stageWords("read"));
        poll(answer.poll);
      } else {
        refused(answer);
      }
    });
    xhr.addEventListener("error", function () { show("failed"); });
    xhr.send(form);
  }

  input.addEventListener("change", function () {
    send(input.files[0]);
    input.value = "";
  });
  ["dragenter", "dragover"].forEach(function (name) {
    drop.addEventListener(name, function (event) {
      event.preventDefault();
      drop.classList.add("over");
    });
  });
  ["dragleave", "dragend"].forEach(function (name) {
    drop.addEventListener(name, function () { drop.classList.remove("over"); });
  });
  drop.addEventListener("drop", function (event) {
    event.preventDefault();
    drop.classList.remove("over");
    var files = event.dataTransfer && event.dataTransfer.files;
    if (files && files.length) {
      send(files[0]);
    }
  });
})();
