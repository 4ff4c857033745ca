"use strict";
(function () {
  // Show the chosen file's name; accept a file dropped anywhere on the drop zone.
  var drop = document.querySelector("[data-imp-drop]");
  if (!drop) return;
  var input = drop.querySelector("input[type=file]");
  var name = drop.querySelector("[data-imp-drop-name]");
  var show = function () {
    if (!input.files || !input.files.length) return;
    var file = input.files[0];
    var size = file.size >= 1048576 ? (file.size / 1048576).toFixed(1) + " MB" : Math.max(1, Math.round(file.size / 1024)) + " KB";
    name.textContent = file.name + " · " + size;
    drop.classList.add("is-chosen");
  };
  input.addEventListener("change", show);
  ["dragenter", "dragover"].forEach(function (type) {
    drop.addEventListener(type, function (event) { event.preventDefault(); drop.classList.add("is-over"); });
  });
  ["dragleave", "drop"].forEach(function (type) {
    drop.addEventListener(type, function () { drop.classList.remove("is-over"); });
  });
  drop.addEventListener("drop", function (event) {
    event.preventDefault();
    if (event.dataTransfer && event.dataTransfer.files.length) { input.files = event.dataTransfer.files; show(); }
  });
})();
