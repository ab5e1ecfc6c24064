// Live preview of a page's Matrix room: its latest messages, read in the browser.
//
// Rooms are created world-readable with guest access (miniconf chat provision), so a
// guest account, registered once per browser and homeserver, may read them. The
// homeserver, room id and alias come from data-* attributes the page carries. When the
// server cannot be reached, the panel says so; the "Join the discussion" link works anyway.

const API = "/_matrix/client/v3";
const SHOWN = 8;

function storageGet(key) {
  try { return window.localStorage.getItem(key); } catch { return null; }
}

function storageSet(key, value) {
  try {
    if (value === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, value);
  } catch { /* private mode: register a guest per page view instead */ }
}

class MatrixGuest {
  constructor(homeserver) {
    this.homeserver = homeserver.replace(/\/+$/, "");
    this.tokenKey = `miniconf-chat-guest:${this.homeserver}`;
  }

  async request(path, { method = "GET", body, auth = true } = {}) {
    const headers = { "Content-Type": "application/json" };
    if (auth) headers.Authorization = `Bearer ${await this.token()}`;
    const response = await fetch(this.homeserver + API + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) {
      const error = new Error(data.error || `HTTP ${response.status}`);
      error.status = response.status;
      error.errcode = data.errcode;
      throw error;
    }
    return data;
  }

  async token() {
    let token = storageGet(this.tokenKey);
    if (!token) {
      const data = await this.request("/register?kind=guest", { method: "POST", body: {}, auth: false });
      token = data.access_token;
      storageSet(this.tokenKey, token);
    }
    return token;
  }

  async roomId(alias) {
    const data = await this.request(`/directory/room/${encodeURIComponent(alias)}`, { auth: false });
    return data.room_id;
  }

  async latestMessages(roomId, limit) {
    const filter = encodeURIComponent(JSON.stringify({ types: ["m.room.message"] }));
    const path = `/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=${limit}&filter=${filter}`;
    let data;
    try {
      data = await this.request(path);
    } catch (error) {
      if (error.errcode === "M_UNKNOWN_TOKEN") {  // the server forgot our guest: register anew
        storageSet(this.tokenKey, null);
        data = await this.request(path);
      } else if (error.status === 403) {  // not world-readable to non-members: join as guest
        await this.request(`/join/${encodeURIComponent(roomId)}`, { method: "POST", body: {} });
        data = await this.request(path);
      } else {
        throw error;
      }
    }
    return (data.chunk || [])
      .filter((event) => event.type === "m.room.message" && typeof event.content?.body === "string")
      .reverse();
  }
}

function senderName(userId) {
  // @alice:example.org -> alice (display names would cost one request per sender)
  return userId.replace(/^@/, "").split(":")[0];
}

function messageItem(event) {
  const item = document.createElement("li");
  const header = document.createElement("p");
  header.className = "chat-meta";
  const sender = document.createElement("span");
  sender.className = "chat-sender";
  sender.textContent = senderName(event.sender || "");
  const when = document.createElement("time");
  const moment = new Date(event.origin_server_ts);
  when.dateTime = moment.toISOString();
  when.textContent = moment.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  header.append(sender, " · ", when);
  const body = document.createElement("p");
  body.className = "chat-body";
  body.textContent = event.content.body;  // plain text only: never HTML from the room
  item.append(header, body);
  return item;
}

async function showPreview(panel) {
  const status = panel.querySelector(".chat-status");
  const list = panel.querySelector(".chat-messages");
  status.textContent = "Loading the latest messages…";
  const guest = new MatrixGuest(panel.dataset.homeserver);
  try {
    const roomId = panel.dataset.roomId || await guest.roomId(panel.dataset.roomAlias);
    const messages = await guest.latestMessages(roomId, SHOWN);
    list.replaceChildren(...messages.map(messageItem));
    list.hidden = messages.length === 0;
    status.textContent = messages.length
      ? `The latest ${messages.length === 1 ? "message" : `${messages.length} messages`} in the room:`
      : "No messages yet: ask the first question.";
    panel.classList.remove("chat-offline");
  } catch (error) {
    list.hidden = true;
    panel.classList.add("chat-offline");
    status.textContent = error.status
      ? `The chat server did not show this room's messages (${error.message}). The room is open: join the discussion.`
      : "The chat server cannot be reached right now, so the latest messages are not shown. Join the discussion to read them.";
  }
}

for (const panel of document.querySelectorAll(".chat-preview[data-homeserver]")) {
  showPreview(panel);
}
