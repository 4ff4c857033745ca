"use strict";
(function () {
  // The form names its two fields: data-slug-from (the organization name) and data-slug-to (the slug).
  var form = document.querySelector("form[data-slug-from][data-slug-to]");
  if (!form) return;
  var name = document.getElementById(form.getAttribute("data-slug-from"));
  var slug = document.getElementById(form.getAttribute("data-slug-to"));
  if (!name || !slug) return;
  var map = {"а":"a","б":"b","в":"v","г":"g","д":"d","е":"e","ё":"e","ж":"zh","з":"z","и":"i","й":"y","к":"k","л":"l","м":"m","н":"n","о":"o","п":"p","р":"r","с":"s","т":"t","у":"u","ф":"f","х":"kh","ц":"ts","ч":"ch","ш":"sh","щ":"shch","ъ":"","ы":"y","ь":"","э":"e","ю":"yu","я":"ya"};
  function slugify(text) {
    return text.toLowerCase().split("").map(function (c) { return map.hasOwnProperty(c) ? map[c] : c; }).join("")
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 40).replace(/-+$/, "");
  }
  // Follow the name only until the user types a slug of their own.
  var touched = slug.value !== "" && slug.value !== slugify(name.value);
  slug.addEventListener("input", function () { touched = slug.value !== ""; });
  name.addEventListener("input", function () { if (!touched) slug.value = slugify(name.value); });
})();
