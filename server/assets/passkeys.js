// Portico passkeys: the browser half of every WebAuthn ceremony.
//
// Buttons carry `data-passkey="login" | "register" | "add" | "second-factor"`; the email field of the
// sign-in page carries `autocomplete="username webauthn"` for autofill (conditional
// mediation). The server hands out options and takes the answers (server functions
// under /api); each answer says where the browser goes next. Nothing here decides
// anything about security: the server checks every byte.
(() => {
  "use strict";

  const supported =
    typeof window.PublicKeyCredential === "function" &&
    !!navigator.credentials &&
    typeof navigator.credentials.create === "function";

  // base64url <-> ArrayBuffer
  const toBuffer = (text) => {
    const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const padded = b64 + "===".slice((b64.length + 3) % 4);
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)).buffer;
  };
  const toText = (buffer) => {
    if (!buffer) return undefined;
    let s = "";
    for (const b of new Uint8Array(buffer)) s += String.fromCharCode(b);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  };
  const dropNulls = (value) => {
    if (Array.isArray(value)) return value.map(dropNulls);
    if (value && typeof value === "object") {
      const out = {};
      for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = dropNulls(v);
      return out;
    }
    return value;
  };
  const withIds = (list) =>
    (list || []).map((c) => Object.assign({}, c, { id: toBuffer(c.id) }));

  function creationOptions(json) {
    const pk = dropNulls(json.publicKey);
    pk.challenge = toBuffer(pk.challenge);
    pk.user = Object.assign({}, pk.user, { id: toBuffer(pk.user.id) });
    pk.excludeCredentials = withIds(pk.excludeCredentials);
    return pk;
  }

  function requestOptions(json) {
    const pk = dropNulls(json.publicKey);
    pk.challenge = toBuffer(pk.challenge);
    pk.allowCredentials = withIds(pk.allowCredentials);
    return pk;
  }

  function encode(credential) {
    const r = credential.response;
    const response = r.attestationObject
      ? {
          attestationObject: toText(r.attestationObject),
          clientDataJSON: toText(r.clientDataJSON),
          transports: typeof r.getTransports === "function" ? r.getTransports() : [],
        }
      : {
          authenticatorData: toText(r.authenticatorData),
          clientDataJSON: toText(r.clientDataJSON),
          signature: toText(r.signature),
          userHandle: toText(r.userHandle),
        };
    return JSON.stringify({
      id: credential.id,
      rawId: toText(credential.rawId),
      type: credential.type,
      response,
      clientExtensionResults:
        typeof credential.getClientExtensionResults === "function"
          ? credential.getClientExtensionResults()
          : {},
    });
  }

  async function post(path, fields) {
    const res = await fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/x-www-form-urlencoded",
        Accept: "application/json",
      },
      body: new URLSearchParams(fields),
    });
    let body = null;
    try {
      body = await res.json();
    } catch (_) {
      body = null;
    }
    if (!res.ok) {
      const busy = body && body.Busy;
      throw new Error(
        busy
          ? "We're handling a lot of sign-ins right now. Please try again in a few seconds."
          : res.status === 401
            ? "Your session ended. Please sign in again."
            : "Something went wrong. Please reload the page and try again."
      );
    }
    return body;
  }

  const go = (path) => window.location.assign(path);

  // The flow fields of the form a button belongs to.
  function flowFields(button) {
    const form = button.closest("form") || document.querySelector("form[data-flow-form]");
    const value = (name) => {
      const input = form && form.querySelector(`[name="${name}"]`);
      return input ? input.value : "";
    };
    return { form, value };
  }

  function status(button, text) {
    const scope = button.closest("[data-passkey-scope]") || button.parentElement;
    const box = scope && scope.querySelector("[data-passkey-error]");
    if (!box) return;
    box.textContent = text || "";
    box.hidden = !text;
  }

  // A user who closes the browser's dialog has not failed at anything.
  const cancelled = (e) => e && (e.name === "NotAllowedError" || e.name === "AbortError");

  let autofill = null; // the pending conditional request, if any

  async function busy(button, work) {
    if (button.getAttribute("aria-busy") === "true") return;
    button.setAttribute("aria-busy", "true");
    button.disabled = true;
    status(button, "");
    try {
      await work();
    } catch (e) {
      if (e && e.name === "InvalidStateError") {
        status(button, "This device already has a passkey for your account.");
      } else if (!cancelled(e)) {
        status(button, e && e.message ? e.message : "Your passkey didn't work. Please try again.");
      }
    } finally {
      button.removeAttribute("aria-busy");
      button.disabled = false;
    }
  }

  async function signIn(button, mediation) {
    const { value } = flowFields(button);
    const flow = value("flow");
    const csrf = value("csrf_token");
    const start = await post("/api/passkey/login/options", { flow, csrf_token: csrf });
    // The server can't offer passkeys here (e.g. the site was opened by IP address):
    // a click shows why on the flow's page; autofill, which nobody asked for, stays
    // quiet — navigating would re-arm it on the next load, forever.
    if (start.navigate) return mediation ? undefined : go(start.navigate);
    const options = { publicKey: requestOptions(JSON.parse(start.options)) };
    if (mediation) {
      autofill = new AbortController();
      options.mediation = "conditional";
      options.signal = autofill.signal;
    }
    const credential = await navigator.credentials.get(options);
    if (!credential) return;
    const next = await post("/api/passkey/login", {
      flow,
      csrf_token: csrf,
      ceremony: start.ceremony,
      credential: encode(credential),
    });
    go(next.navigate);
  }

  async function register(button) {
    const { value } = flowFields(button);
    const fields = {
      flow: value("flow"),
      csrf_token: value("csrf_token"),
      email: value("email"),
      display_name: value("display_name"),
    };
    const start = await post("/api/passkey/register/options", fields);
    if (start.navigate) return go(start.navigate);
    const credential = await navigator.credentials.create({
      publicKey: creationOptions(JSON.parse(start.options)),
    });
    const next = await post("/api/passkey/register", {
      flow: fields.flow,
      csrf_token: fields.csrf_token,
      ceremony: start.ceremony,
      credential: encode(credential),
    });
    go(next.navigate);
  }

  async function add(button) {
    const csrf = button.dataset.csrf || "";
    const start = await post("/api/account/passkeys/options", { csrf_token: csrf });
    if (start.error) throw new Error(start.error);
    const credential = await navigator.credentials.create({
      publicKey: creationOptions(JSON.parse(start.options)),
    });
    const next = await post("/api/account/passkeys/add", {
      csrf_token: csrf,
      ceremony: start.ceremony,
      credential: encode(credential),
    });
    go(next.navigate);
  }

  // The second step of a sign-in the risk engine wanted confirmed.
  async function secondFactor(button) {
    const { value } = flowFields(button);
    const flow = value("flow");
    const csrf = value("csrf_token");
    const start = await post("/api/passkey/second-factor/options", { flow, csrf_token: csrf });
    if (start.navigate) return go(start.navigate);
    const credential = await navigator.credentials.get({
      publicKey: requestOptions(JSON.parse(start.options)),
    });
    const next = await post("/api/passkey/second-factor", {
      flow,
      csrf_token: csrf,
      ceremony: start.ceremony,
      credential: encode(credential),
    });
    go(next.navigate);
  }

  const actions = {
    login: (b) => signIn(b, false),
    register,
    add,
    "second-factor": secondFactor,
  };

  function abortAutofill() {
    if (autofill) {
      autofill.abort();
      autofill = null;
    }
  }

  async function armAutofill(input) {
    if (input.dataset.passkeyArmed) return;
    input.dataset.passkeyArmed = "true";
    if (
      !supported ||
      typeof PublicKeyCredential.isConditionalMediationAvailable !== "function" ||
      !(await PublicKeyCredential.isConditionalMediationAvailable())
    ) {
      return;
    }
    const button = document.querySelector('[data-passkey="login"]');
    if (!button) return;
    abortAutofill();
    try {
      await signIn(button, true);
    } catch (e) {
      if (!cancelled(e)) status(button, e && e.message ? e.message : "");
    }
  }

  function enhance() {
    for (const button of document.querySelectorAll("[data-passkey]")) {
      if (button.dataset.passkeyReady) continue;
      button.dataset.passkeyReady = "true";
      const scope = button.closest("[data-passkey-scope]");
      if (!supported) {
        const note = scope && scope.querySelector("[data-passkey-unsupported]");
        if (note) note.hidden = false;
        continue;
      }
      button.hidden = false;
      button.addEventListener("click", (event) => {
        event.preventDefault();
        const action = actions[button.dataset.passkey];
        if (!action) return;
        abortAutofill();
        busy(button, () => action(button));
      });
    }
    for (const input of document.querySelectorAll('input[autocomplete~="webauthn"]')) {
      armAutofill(input);
    }
  }

  let queued = false;
  const schedule = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      enhance();
    });
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", enhance);
  } else {
    enhance();
  }
  new MutationObserver(schedule).observe(document.documentElement, {
    childList: true,
    subtree: true,
  });
})();
