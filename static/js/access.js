// Registered attendees only (miniconf/site/access.py).
//
// Protected parts of this page are in it encrypted (AES-GCM): each `.sealed` element
// holds one, with a notice of what it is. An attendee types the conference passphrase
// or their personal code; from it this script derives a key (HKDF for codes, which are
// random; PBKDF2 for the passphrase, which people choose), finds its slot in
// access/keys.json and unwraps the content key. The key is kept in localStorage under
// the site's key id, so one unlock opens every page of the site in this browser; "Lock"
// forgets it. Only the browser's own Web Crypto API is used.
//
// Scripts that must see unlocked parts (media.js: players and PDF viewers) are named
// by `data-script-after-unlock` and run here once, after unlocking what can be.

const STORAGE_PREFIX = "miniconf.access.";
const JUST_UNLOCKED = "miniconf.access.just-unlocked";
const encoder = new TextEncoder();
const SEALED_AAD = encoder.encode("miniconf sealed v1");
const SLOT_AAD = encoder.encode("miniconf key v1");
const FILE_AAD = encoder.encode("miniconf file v1");
const LOCKED_FILE = /(^|\/)locked\/[0-9a-f]{24}\.bin$/;
const URL_ATTRIBUTES = ["src", "href", "poster", "data-pdf-src"];

function fromBase64(text) {
  return Uint8Array.from(atob(text), (char) => char.charCodeAt(0));
}

function toBase64(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)));
}

function toHex(bytes) {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

function storage(action, key, value) {
  try {
    if (action === "get") return window.localStorage.getItem(key);
    if (action === "set") window.localStorage.setItem(key, value);
    if (action === "remove") window.localStorage.removeItem(key);
  } catch { /* storage off: unlock lasts for this page only */ }
  return null;
}

function sessionFlag(action) {
  try {
    if (action === "set") window.sessionStorage.setItem(JUST_UNLOCKED, "1");
    const was = window.sessionStorage.getItem(JUST_UNLOCKED) === "1";
    if (action === "take") window.sessionStorage.removeItem(JUST_UNLOCKED);
    return was;
  } catch { return false; }
}

async function decrypt(keyBytes, data, aad) {
  const key = await crypto.subtle.importKey("raw", keyBytes, "AES-GCM", false, ["decrypt"]);
  return crypto.subtle.decrypt({ name: "AES-GCM", iv: data.slice(0, 12), additionalData: aad },
    key, data.slice(12));
}

// (lookup id, wrapping key) from what was typed; the same derivations as access.py.
async function slotKey(typed, salt, kind, rounds) {
  let params;
  let secret;
  if (kind === "code") {
    secret = typed.toUpperCase().replace(/[^A-Z0-9]/g, "");
    params = { name: "HKDF", hash: "SHA-256", salt, info: encoder.encode("miniconf code") };
  } else {
    secret = typed.trim().normalize("NFC");
    params = { name: "PBKDF2", hash: "SHA-256", salt, iterations: rounds };
  }
  if (!secret) return null;
  const base = await crypto.subtle.importKey("raw", encoder.encode(secret), params.name, false, ["deriveBits"]);
  const bits = new Uint8Array(await crypto.subtle.deriveBits(params, base, 384));
  return { lookup: toHex(bits.slice(0, 16)), wrappingKey: bits.slice(16) };
}

// The content key that `typed` unwraps, or null.
async function unwrapContentKey(typed, keys) {
  const salt = fromBase64(keys.salt);
  for (const kind of ["code", "passphrase"]) {
    const derived = await slotKey(typed, salt, kind, keys.passphrase_rounds);
    const slot = derived && keys.slots[derived.lookup];
    if (slot) {
      return new Uint8Array(await decrypt(derived.wrappingKey, fromBase64(slot), SLOT_AAD));
    }
  }
  return null;
}

// Protected local files (a self-hosted talk, a PDF) come encrypted: a line with their
// type and file name, then their bytes. Each becomes a blob: URL in this page, and
// "Download" links keep the file's name.
async function openLockedFiles(root, contentKey) {
  const blobs = new Map();
  for (const element of root.querySelectorAll("*")) {
    for (const attribute of URL_ATTRIBUTES) {
      const value = element.getAttribute(attribute);
      if (!value || !LOCKED_FILE.test(value)) continue;
      if (!blobs.has(value)) {
        blobs.set(value, (async () => {
          const response = await fetch(value);
          if (!response.ok) throw new Error(`${value}: HTTP ${response.status}`);
          const data = new Uint8Array(await response.arrayBuffer());
          const plain = new Uint8Array(await decrypt(contentKey, data, FILE_AAD));
          const newline = plain.indexOf(10);
          const [type, name] = new TextDecoder().decode(plain.slice(0, newline)).split(" ");
          const url = URL.createObjectURL(new Blob([plain.slice(newline + 1)], { type }));
          return { url, name };
        })());
      }
      const file = await blobs.get(value);
      element.setAttribute(attribute, file.url);
      if (element.hasAttribute("download") && !element.getAttribute("download")) {
        element.setAttribute("download", file.name);
      }
    }
  }
}

// Replace every sealed part with what it holds, and the parts those held (a page sealed
// whole holds its talk, its chat...); returns the scripts those parts load.
async function unsealAll(contentKey) {
  const scripts = [];
  let part;
  while ((part = document.querySelector(".sealed[data-sealed]"))) {
    const plain = await decrypt(contentKey, fromBase64(part.dataset.sealed), SEALED_AAD);
    const template = document.createElement("template");
    template.innerHTML = new TextDecoder().decode(plain);
    for (const script of template.content.querySelectorAll("script[src]")) {
      scripts.push({ src: script.getAttribute("src"), type: script.type });
      script.remove();
    }
    await openLockedFiles(template.content, contentKey);
    part.replaceWith(template.content);
  }
  return scripts;
}

function runScripts(scripts) {
  const seen = new Set();
  for (const { src, type } of scripts) {
    if (seen.has(src)) continue;
    seen.add(src);
    const element = document.createElement("script");
    if (type) element.type = type;
    element.src = src;
    document.body.append(element);
  }
}

function lockBar(keyId, announce) {
  const bar = document.createElement("p");
  bar.className = "access-bar";
  bar.setAttribute("role", "status");
  bar.tabIndex = -1;
  const text = document.createElement("span");
  text.textContent = "Unlocked for registered attendees in this browser.";
  const button = document.createElement("button");
  button.type = "button";
  button.textContent = "Lock";
  button.addEventListener("click", () => {
    storage("remove", STORAGE_PREFIX + keyId);
    window.location.reload();
  });
  bar.append(text, " ", button);
  const main = document.getElementById("main") || document.body;
  main.prepend(bar);
  if (announce) bar.focus({ preventScroll: true });  // it is at the top of the page
}

const CODE_EXAMPLE = "ABCD-EFGH-JKLM-NPQR";

function unlockForm(parts, keyId) {
  const form = document.createElement("form");
  form.className = "unlock-form";
  form.noValidate = true;
  const label = document.createElement("label");
  const input = document.createElement("input");
  input.name = "code";
  input.autocomplete = "off";
  input.spellcheck = false;
  input.setAttribute("autocapitalize", "off");
  input.setAttribute("aria-describedby", "unlock-message");
  input.id = "unlock-code";
  label.append("Conference passphrase or your personal access code", input);
  const button = document.createElement("button");
  button.type = "submit";
  button.textContent = "Unlock";
  const message = document.createElement("p");
  message.className = "unlock-message";
  message.id = "unlock-message";
  message.setAttribute("role", "status");
  form.append(label, button, message);
  parts[0].append(form);
  for (const other of parts.slice(1)) {
    const hint = document.createElement("p");
    hint.className = "sealed-hint";
    const link = document.createElement("a");
    link.href = "#unlock-code";
    link.textContent = "Unlock with your passphrase or code";
    link.addEventListener("click", (event) => { event.preventDefault(); input.focus(); });
    hint.append(link);
    other.append(hint);
  }

  let failures = 0;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const typed = input.value;
    if (!typed.trim()) {
      message.className = "unlock-message is-error";
      message.textContent = "Type the conference passphrase or your access code first.";
      input.focus();
      return;
    }
    button.disabled = true;
    message.className = "unlock-message";
    message.textContent = "Checking…";
    const started = performance.now();
    let key = null;
    let problem = null;
    try {
      const response = await fetch(parts[0].dataset.keys);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      key = await unwrapContentKey(typed, await response.json());
    } catch (error) {
      problem = `The site's keys could not be loaded (${error.message}); open the site from its web address and try again.`;
    }
    if (key) {
      storage("set", STORAGE_PREFIX + keyId, toBase64(key));
      sessionFlag("set");
      window.location.reload();  // every part, player and script set up once, unlocked
      return;
    }
    // A wrong guess waits longer each time: 1 s, 2 s, 4 s, then 8 s.
    failures += 1;
    const delay = Math.min(1000 * 2 ** (failures - 1), 8000);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, delay - (performance.now() - started))));
    message.className = "unlock-message is-error";
    message.textContent = problem || `That passphrase or code does not unlock this site. Check it and try again (personal codes look like ${CODE_EXAMPLE}).`;
    button.disabled = false;
    input.focus();
    input.select();
  });
}

async function main() {
  const parts = Array.from(document.querySelectorAll(".sealed[data-sealed]"));
  let scripts = [];
  if (parts.length) {
    const keyId = parts[0].dataset.keyId;
    const stored = storage("get", STORAGE_PREFIX + keyId);
    let unlocked = false;
    if (stored) {
      try {
        scripts = await unsealAll(fromBase64(stored));
        unlocked = true;
      } catch (error) {  // a key this build no longer takes: forget it, ask again
        console.warn("access: could not unlock with the stored key", error);
        storage("remove", STORAGE_PREFIX + keyId);
      }
    }
    if (unlocked) lockBar(keyId, sessionFlag("take"));
    else unlockForm(parts.filter((part) => part.isConnected), keyId);
  }
  const after = Array.from(document.querySelectorAll("[data-script-after-unlock]"),
    (element) => ({ src: element.dataset.scriptAfterUnlock, type: "" }));
  runScripts([...after, ...scripts]);
}

main();
