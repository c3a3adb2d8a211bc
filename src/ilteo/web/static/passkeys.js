// Passkeys (WebAuthn) for ilteo: register one at /account/passkeys, sign in at /sign-in/passkey.
//
// The page holds a #passkey-app element with data-mode ("register" or "sign-in"), the CSRF
// token (data-csrf) and the messages this script may show (data-busy, data-cancelled,
// data-failed), so every visible string still comes from the server's message catalogues.
// Options come as JSON (binary fields in base64url) from POST <page>/options; the credential
// goes back as JSON text. No inline code: the CSP allows only same-origin scripts.
(function () {
  "use strict";

  var app = document.getElementById("passkey-app");
  if (!app) {
    return;
  }
  var mode = app.dataset.mode;
  var form = document.getElementById("passkey-form");
  var message = document.getElementById("passkey-message");
  var status = document.getElementById("passkey-status");
  var urls = mode === "register"
    ? { options: "/account/passkeys/options", finish: "/account/passkeys" }
    : { options: "/sign-in/passkey/options", finish: "/sign-in/passkey" };

  var supported = typeof window.PublicKeyCredential === "function" &&
    navigator.credentials && typeof navigator.credentials.get === "function";
  if (!supported) {
    document.getElementById("passkey-unsupported").hidden = false;
    return;
  }
  form.hidden = false;

  function fromB64url(text) {
    var base64 = text.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) {
      base64 += "=";
    }
    var binary = atob(base64);
    var bytes = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i += 1) {
      bytes[i] = binary.charCodeAt(i);
    }
    return bytes.buffer;
  }

  function toB64url(buffer) {
    var bytes = new Uint8Array(buffer);
    var binary = "";
    for (var i = 0; i < bytes.length; i += 1) {
      binary += String.fromCharCode(bytes[i]);
    }
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function descriptors(list) {
    return (list || []).map(function (item) {
      return { type: item.type, id: fromB64url(item.id), transports: item.transports };
    });
  }

  function show(text) {
    status.textContent = "";
    message.textContent = text;
    message.hidden = false;
  }

  async function post(url, body) {
    var response = await fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": app.dataset.csrf },
      body: JSON.stringify(body || {}),
    });
    var data = {};
    try {
      data = await response.json();
    } catch (ignored) {
      data = {};
    }
    return { ok: response.ok, data: data };
  }

  async function register(options) {
    options.challenge = fromB64url(options.challenge);
    options.user.id = fromB64url(options.user.id);
    options.excludeCredentials = descriptors(options.excludeCredentials);
    var credential = await navigator.credentials.create({ publicKey: options });
    var response = credential.response;
    return {
      id: credential.id,
      rawId: toB64url(credential.rawId),
      type: credential.type,
      response: {
        clientDataJSON: toB64url(response.clientDataJSON),
        attestationObject: toB64url(response.attestationObject),
        transports: typeof response.getTransports === "function" ? response.getTransports() : [],
      },
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
    };
  }

  async function authenticate(options) {
    options.challenge = fromB64url(options.challenge);
    options.allowCredentials = descriptors(options.allowCredentials);
    var credential = await navigator.credentials.get({ publicKey: options });
    var response = credential.response;
    return {
      id: credential.id,
      rawId: toB64url(credential.rawId),
      type: credential.type,
      response: {
        clientDataJSON: toB64url(response.clientDataJSON),
        authenticatorData: toB64url(response.authenticatorData),
        signature: toB64url(response.signature),
        userHandle: response.userHandle ? toB64url(response.userHandle) : null,
      },
      clientExtensionResults: credential.getClientExtensionResults(),
      authenticatorAttachment: credential.authenticatorAttachment || undefined,
    };
  }

  var busy = false;
  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    if (busy) {
      return;
    }
    busy = true;
    form.setAttribute("aria-busy", "true");
    message.hidden = true;
    status.textContent = app.dataset.busy;
    try {
      var options = await post(urls.options);
      if (!options.ok) {
        show(options.data.message || app.dataset.failed);
        return;
      }
      var credential;
      try {
        credential = mode === "register"
          ? await register(options.data)
          : await authenticate(options.data);
      } catch (error) {
        show(error && (error.name === "NotAllowedError" || error.name === "AbortError")
          ? app.dataset.cancelled : app.dataset.failed);
        return;
      }
      var name = document.getElementById("passkey-name");
      var result = await post(urls.finish, {
        credential: JSON.stringify(credential),
        name: name ? name.value : "",
        next: app.dataset.next || "/account",
      });
      if (result.ok && result.data.location) {
        window.location.assign(result.data.location);
        return;
      }
      show(result.data.message || app.dataset.failed);
    } catch (error) {
      show(app.dataset.failed);
    } finally {
      busy = false;
      form.removeAttribute("aria-busy");
    }
  });
})();
