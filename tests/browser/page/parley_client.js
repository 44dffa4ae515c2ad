// The WSC web client's WebRTC flow (spec §3), written small, for browser tests of Parley.
//
// The page is served by tests/browser/page_server.py, which also proxies the Parley API (REST and
// the WebSocket /events) on the same origin, so the page authenticates exactly like the WSC web
// client: cookie ZM_AUTH_TOKEN, sent by the browser on fetch() and on the WebSocket upgrade. Each
// page gets its own host (127.0.0.2, 127.0.0.3, ...) so that each has its own cookie jar.
//
// Configuration, in the URL fragment (#role=publisher&meetingId=...):
//   role       "publisher" (camera up: PUT /media) or "subscriber" (PUT /media/subscribe to every
//              published camera; the server offers, the page answers with PUT /media/answer)
//   meetingId, userId, token (the JWT from `parley token`), label (name in the reports)
//   audio      "1": also the audio PeerConnection (PUT /audio/offer -> MEETING_AUDIO_ANSWERED);
//              its failure is reported and does not stop the video flow
//   mic        "1": after the audio answer, PUT /audio {enabled:true} (the mixer unmutes this user)
//   simulcast  "1": the publisher sends rids h/m/l (scaleResolutionDownBy 1/2/4) via sendEncodings
//   width, height, fps   camera constraints (default 640x480 at 30)
//   statsMs    getStats() period in ms (default 500)
//   layerSwitch "1" (subscriber): once the received frame width stops growing, limit the receive
//              bandwidth to limitBps (default 200000) by a renegotiation whose answer carries
//              b=TIAS (RFC 3890) for the video m-line, wait for a narrower frame, then lift the
//              limit and wait for the width to come back; records "layers" {phase, width, ...}
//
// Everything that happens is POSTed to /report?page=<label> as JSON arrays of records
// {kind, t (ms since page start), wall (Date.now()), ...}: "step", "event" (WebSocket events), "sdp", "state"
// (peer connection states), "stats" (compact getStats summary per peer connection), "dump" (full
// getStats, the webrtc-internals equivalent, every 10th sample and on failure), "track",
// "first-frame" (first stats sample with framesDecoded > 0), "first-frame-rendered" (the remote
// <video>'s first requestVideoFrameCallback), "console", "error", "audio".
'use strict';

const cfg = Object.fromEntries(new URLSearchParams(location.hash.slice(1)));
const ROLE = cfg.role || 'subscriber';
const LABEL = cfg.label || ROLE;
const MEETING = cfg.meetingId;
const ME = (cfg.userId || '').toLowerCase();
const STATS_MS = Number(cfg.statsMs || 500);
const T0 = performance.now();
const now = () => Math.round(performance.now() - T0);

// ---- reporting --------------------------------------------------------------------------------

const outbox = [];
let flushing = false;

function report(kind, data) {
  outbox.push(Object.assign({ kind, t: now(), wall: Date.now() }, data || {}));
}

async function flush() {
  if (flushing || outbox.length === 0) return;
  flushing = true;
  const batch = outbox.splice(0, outbox.length);
  try {
    const response = await fetch('/report?page=' + encodeURIComponent(LABEL), {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(batch),
    });
    if (!response.ok) throw new Error('HTTP ' + response.status);
  } catch (e) {
    outbox.unshift(...batch); // keep them for the next try
  } finally {
    flushing = false;
  }
}
setInterval(flush, 200);

function describe(value) {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  if (typeof value === 'string') return value;
  try { return JSON.stringify(value); } catch (e) { return String(value); }
}

for (const level of ['log', 'info', 'warn', 'error']) {
  const original = console[level].bind(console);
  console[level] = (...args) => {
    original(...args);
    report('console', { level, text: args.map(describe).join(' ') });
  };
}
window.addEventListener('error', (e) => report('error', { text: `${e.message} at ${e.filename}:${e.lineno}` }));
window.addEventListener('unhandledrejection', (e) => report('error', { text: 'unhandled rejection: ' + describe(e.reason) }));

function step(name, extra) {
  document.getElementById('status').textContent = `${LABEL}: ${name}`;
  report('step', Object.assign({ name }, extra || {}));
}

// ---- REST (same origin, cookie auth) ---------------------------------------------------------

let queueId = null;

async function api(method, path, body, expect) {
  const headers = {};
  if (queueId) headers['queue-id'] = queueId;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, {
    method, headers, credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  if (!(expect || [200]).includes(response.status)) {
    const error = new Error(`${method} ${path} -> HTTP ${response.status}: ${text.slice(0, 300)}`);
    error.status = response.status;
    throw error;
  }
  return text ? JSON.parse(text) : null;
}

// ---- WebSocket /events -----------------------------------------------------------------------

const events = [];
const waiters = [];
const handlers = {};

function on(type, handler) { (handlers[type] = handlers[type] || []).push(handler); }

function waitForEvent(type, match, timeoutMs) {
  const found = events.find((e) => e.type === type && match(e));
  if (found) return Promise.resolve(found);
  return new Promise((resolve, reject) => {
    const waiter = { type, match, resolve };
    waiters.push(waiter);
    setTimeout(() => {
      const i = waiters.indexOf(waiter);
      if (i >= 0) {
        waiters.splice(i, 1);
        reject(new Error(`no ${type} within ${timeoutMs} ms; received: ${events.map((e) => e.type).join(', ') || 'nothing'}`));
      }
    }, timeoutMs);
  });
}

function openEvents() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/events`);
    let opened = false;
    ws.onmessage = (message) => {
      let event;
      try { event = JSON.parse(message.data); } catch (e) { report('error', { text: 'non-JSON event ' + message.data }); return; }
      if (event.type === 'pong') return;
      if (!opened) {
        if (event.type !== 'websocketConnected') { reject(new Error('first /events message: ' + message.data)); return; }
        opened = true;
        queueId = event.queueId;
        setInterval(() => ws.readyState === WebSocket.OPEN && ws.send(JSON.stringify({ type: 'ping' })), 10000);
        resolve(ws);
        return;
      }
      events.push(event);
      const brief = Object.assign({}, event);
      if (brief.sdp) brief.sdp = `<${brief.sdp.length} chars>`;
      report('event', { event: brief });
      for (const waiter of waiters.slice()) {
        if (waiter.type === event.type && waiter.match(event)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(event);
        }
      }
      for (const handler of handlers[event.type] || []) {
        Promise.resolve().then(() => handler(event)).catch((e) => report('error', { text: `${event.type} handler: ${describe(e)}` }));
      }
    };
    ws.onclose = (e) => {
      report('step', { name: 'websocket closed', code: e.code });
      if (!opened) reject(new Error(`WebSocket /events closed before websocketConnected (code ${e.code})`));
    };
    ws.onerror = () => report('console', { level: 'error', text: 'WebSocket /events error' });
  });
}

// ---- peer connections and stats --------------------------------------------------------------

const pcs = {}; // name -> RTCPeerConnection

function newPeerConnection(name) {
  // What the WSC client uses (spec §3.1): no STUN/TURN server, bundle policy balanced.
  const pc = new RTCPeerConnection({ iceServers: [], bundlePolicy: 'balanced' });
  pcs[name] = pc;
  const state = () => report('state', {
    pc: name, connectionState: pc.connectionState, iceConnectionState: pc.iceConnectionState,
    signalingState: pc.signalingState, iceGatheringState: pc.iceGatheringState,
  });
  pc.onconnectionstatechange = state;
  pc.oniceconnectionstatechange = state;
  pc.onsignalingstatechange = state;
  return pc;
}

const PICK = {
  'inbound-rtp': ['kind', 'mid', 'ssrc', 'trackIdentifier', 'packetsReceived', 'packetsLost', 'bytesReceived', 'jitter',
    'framesDecoded', 'framesReceived', 'framesDropped', 'keyFramesDecoded', 'frameWidth', 'frameHeight',
    'framesPerSecond', 'nackCount', 'pliCount', 'firCount', 'decoderImplementation', 'totalAudioEnergy', 'audioLevel',
    'concealedSamples', 'totalSamplesReceived'],
  'outbound-rtp': ['kind', 'mid', 'rid', 'ssrc', 'packetsSent', 'bytesSent', 'framesEncoded', 'framesSent',
    'keyFramesEncoded', 'frameWidth', 'frameHeight', 'framesPerSecond', 'nackCount', 'pliCount', 'firCount',
    'retransmittedPacketsSent', 'qualityLimitationReason', 'targetBitrate', 'encoderImplementation', 'active', 'scalabilityMode'],
  'remote-inbound-rtp': ['kind', 'ssrc', 'packetsLost', 'fractionLost', 'roundTripTime', 'jitter'],
  'transport': ['dtlsState', 'iceState', 'iceRole', 'selectedCandidatePairId', 'srtpCipher', 'dtlsCipher', 'tlsVersion',
    'bytesSent', 'bytesReceived'],
};

function pick(stat, keys) {
  const out = {};
  for (const k of keys) if (stat[k] !== undefined) out[k] = stat[k];
  return out;
}

async function summarize(pc) {
  const stats = await pc.getStats();
  const summary = { inbound: [], outbound: [], remoteInbound: [], transport: null, pair: null, codecs: {} };
  const all = [];
  stats.forEach((s) => {
    all.push(s);
    if (s.type === 'inbound-rtp') summary.inbound.push(Object.assign(pick(s, PICK['inbound-rtp']), { codecId: s.codecId }));
    else if (s.type === 'outbound-rtp') summary.outbound.push(Object.assign(pick(s, PICK['outbound-rtp']), { codecId: s.codecId }));
    else if (s.type === 'remote-inbound-rtp') summary.remoteInbound.push(pick(s, PICK['remote-inbound-rtp']));
    else if (s.type === 'transport') summary.transport = pick(s, PICK.transport);
    else if (s.type === 'codec') summary.codecs[s.id] = `${s.mimeType} pt=${s.payloadType}${s.sdpFmtpLine ? ' ' + s.sdpFmtpLine : ''}`;
  });
  // The selected candidate pair: Chromium names it in transport stats, Firefox flags it selected.
  const pairId = summary.transport && summary.transport.selectedCandidatePairId;
  const pair = all.find((s) => s.type === 'candidate-pair' && (s.id === pairId || s.selected));
  if (pair) {
    const local = stats.get(pair.localCandidateId) || {};
    const remote = stats.get(pair.remoteCandidateId) || {};
    summary.pair = {
      state: pair.state, nominated: pair.nominated, currentRoundTripTime: pair.currentRoundTripTime,
      local: `${local.address || local.ip}:${local.port} ${local.candidateType}`,
      remote: `${remote.address || remote.ip}:${remote.port} ${remote.candidateType}`,
    };
  }
  for (const list of [summary.inbound, summary.outbound]) {
    for (const entry of list) {
      if (entry.codecId) entry.codec = summary.codecs[entry.codecId];
      delete entry.codecId;
    }
  }
  delete summary.codecs;
  return { summary, all };
}

let samples = 0;
let firstFrameReported = false;
let answerSentAt = null;

async function sampleStats() {
  samples += 1;
  for (const [name, pc] of Object.entries(pcs)) {
    if (pc.connectionState === 'closed') continue;
    try {
      const { summary, all } = await summarize(pc);
      report('stats', { pc: name, connectionState: pc.connectionState, summary });
      if (samples % 10 === 1) report('dump', { pc: name, stats: all });
      const decoded = summary.inbound.filter((s) => s.kind === 'video').reduce((n, s) => n + (s.framesDecoded || 0), 0);
      if (name === 'subscriber') stepLayers(summary.inbound.find((s) => s.kind === 'video'))
        .catch((e) => report('error', { text: 'layer switch: ' + describe(e) }));
      if (!firstFrameReported && decoded > 0) {
        firstFrameReported = true;
        report('first-frame', { pc: name, framesDecoded: decoded, sinceAnswerMs: answerSentAt === null ? null : now() - answerSentAt });
      }
    } catch (e) {
      report('error', { text: `getStats(${name}): ${describe(e)}` });
    }
  }
}

async function dumpAll(reason) {
  for (const [name, pc] of Object.entries(pcs)) {
    try {
      const { all } = await summarize(pc);
      report('dump', { pc: name, reason, stats: all });
    } catch (e) { /* closed */ }
  }
}

function offerSummary(sdp) {
  return sdp.split(/\r?\n/).filter((l) => /^(m=|a=(mid|rid|simulcast|msid|ssrc-group|setup|ice-lite|extmap|group|candidate|sendonly|recvonly|sendrecv|inactive)\b)/.test(l));
}

// ---- audio (sendrecv, answered by the server's mixer) ----------------------------------------

async function startAudio() {
  step('audio: getUserMedia');
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
  const pc = newPeerConnection('audio');
  pc.addTransceiver(stream.getAudioTracks()[0], { direction: 'sendrecv', streams: [stream] });
  pc.ontrack = (e) => {
    // The mixed room audio (spec §3.5): played so that the receiver pulls and counts samples.
    const audio = document.getElementById('remote-audio');
    audio.srcObject = e.streams[0] || new MediaStream([e.track]);
    audio.play().catch((err) => report('console', { level: 'warn', text: 'audio.play(): ' + describe(err) }));
  };
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  report('sdp', { pc: 'audio', type: 'offer', sdp: offer.sdp });
  step('audio: PUT /audio/offer');
  try {
    await api('PUT', `/meetings/${MEETING}/audio/offer`, { sdp: offer.sdp }, [204]);
  } catch (e) {
    report('audio', { ok: false, stage: 'PUT /audio/offer', status: e.status || null, error: describe(e) });
    pc.close();
    delete pcs.audio;
    return;
  }
  const answered = await waitForEvent('MEETING_AUDIO_ANSWERED',
    (e) => e.meetingId === MEETING && (e.userId || '').toLowerCase() === ME, 10000);
  report('sdp', { pc: 'audio', type: 'answer', sdp: answered.sdp });
  await pc.setRemoteDescription({ type: 'answer', sdp: answered.sdp });
  report('audio', { ok: true, stage: 'answer applied' });
  if (cfg.mic === '1') {
    // What the WSC client does after the offer: PUT /audio {enabled: <initial mic state>}.
    await api('PUT', `/meetings/${MEETING}/audio`, { enabled: true }, [204]);
    report('audio', { ok: true, stage: 'mic enabled' });
  }
}

// ---- publisher (VideoOutConnection) ----------------------------------------------------------

async function publish() {
  const width = Number(cfg.width || 640), height = Number(cfg.height || 480), fps = Number(cfg.fps || 30);
  step('publisher: getUserMedia');
  const stream = await navigator.mediaDevices.getUserMedia({
    audio: false, video: { width: { ideal: width }, height: { ideal: height }, frameRate: { ideal: fps } },
  });
  document.getElementById('local').srcObject = stream;
  const track = stream.getVideoTracks()[0];
  report('step', { name: 'camera', settings: track.getSettings() });
  const pc = newPeerConnection('publisher');
  const init = { direction: 'sendonly', streams: [stream] };
  if (cfg.simulcast === '1') {
    init.sendEncodings = [
      { rid: 'h', maxBitrate: 1200000 },
      { rid: 'm', scaleResolutionDownBy: 2, maxBitrate: 400000 },
      { rid: 'l', scaleResolutionDownBy: 4, maxBitrate: 120000 },
    ];
  }
  pc.addTransceiver(track, init);
  const offer = await pc.createOffer();
  await pc.setLocalDescription(offer);
  report('sdp', { pc: 'publisher', type: 'offer', sdp: offer.sdp });
  step('publisher: PUT /media');
  const putAt = now();
  // The WSC client sends the string createOffer returned: no candidates (spec §3.1).
  await api('PUT', `/meetings/${MEETING}/media`, { type: 'video', enabled: true, sdp: offer.sdp }, [204]);
  const answered = await waitForEvent('MEETING_SDP_ANSWERED',
    (e) => e.meetingId === MEETING && (e.userId || '').toLowerCase() === ME && e.mediaType === 'VIDEO', 10000);
  report('sdp', { pc: 'publisher', type: 'answer', sdp: answered.sdp, lines: offerSummary(answered.sdp) });
  await pc.setRemoteDescription({ type: 'answer', sdp: answered.sdp });
  step('publisher: answer applied', { sincePutMs: now() - putAt });
  const params = pc.getSenders()[0].getParameters();
  report('step', { name: 'publisher: sender parameters', encodings: params.encodings.map((e) => pick(e, ['rid', 'active', 'scaleResolutionDownBy', 'maxBitrate'])) });
}

// ---- subscriber (VideoScreenInConnection) ----------------------------------------------------

const subscribed = new Set();
let subscriberPc = null;
let offers = Promise.resolve();

function subscriber() {
  if (subscriberPc) return subscriberPc;
  const pc = newPeerConnection('subscriber');
  subscriberPc = pc;
  pc.ontrack = (e) => {
    const streamIds = e.streams.map((s) => s.id);
    report('track', { mid: e.transceiver && e.transceiver.mid, trackKind: e.track.kind, streamIds, trackId: e.track.id });
    // The WSC client splits the stream id on "/" into [userId, type] (spec §3.3 step 5).
    const [userId, type] = (streamIds[0] || '').split('/');
    report('step', { name: 'remote track', userId, type });
    const video = document.getElementById('remote');
    video.srcObject = e.streams[0] || new MediaStream([e.track]);
    video.play().catch((err) => report('console', { level: 'warn', text: 'video.play(): ' + describe(err) }));
    if (e.track.kind === 'video' && video.requestVideoFrameCallback && !video.frameCallbackSet) {
      video.frameCallbackSet = true;
      video.requestVideoFrameCallback((when, meta) => report('first-frame-rendered', {
        sinceAnswerMs: answerSentAt === null ? null : now() - answerSentAt, width: meta.width, height: meta.height,
      }));
    }
  };
  return pc;
}

// Receive-bandwidth limit (bits/s) written into the answers sent to the server; null: none.
let receiveLimitBps = null;

// The answer as sent to the server: b=TIAS:<limit> after each video m-section's c= line. The
// browser's own local description stays as created (the limit is a request to the sender).
function withReceiveLimit(sdp) {
  if (receiveLimitBps === null) return sdp;
  const lines = sdp.split('\r\n');
  const out = [];
  let inVideo = false;
  for (const line of lines) {
    if (line.startsWith('m=')) inVideo = line.startsWith('m=video');
    if (inVideo && line.startsWith('b=')) continue;
    out.push(line);
    if (inVideo && line.startsWith('c=')) out.push(`b=TIAS:${receiveLimitBps}`);
  }
  return out.join('\r\n');
}

async function answerOffer(event) {
  const pc = subscriber();
  report('sdp', { pc: 'subscriber', type: 'offer', sdp: event.sdp, lines: offerSummary(event.sdp) });
  await pc.setRemoteDescription({ type: 'offer', sdp: event.sdp });
  const answer = await pc.createAnswer();
  await pc.setLocalDescription(answer);
  const sent = withReceiveLimit(answer.sdp);
  report('sdp', { pc: 'subscriber', type: 'answer', sdp: sent });
  step('subscriber: PUT /media/answer', { receiveLimitBps });
  await api('PUT', `/meetings/${MEETING}/media/answer`, { sdp: sent }, [204]);
  answerSentAt = now();
  step('subscriber: answer sent');
}

async function subscribeTo(userId) {
  userId = userId.toLowerCase();
  if (userId === ME || subscribed.has(userId)) return;
  subscribed.add(userId);
  step('subscriber: PUT /media/subscribe', { userId });
  await api('PUT', `/meetings/${MEETING}/media/subscribe`,
    { subscribe: [{ userId, type: 'video' }], unsubscribe: [] }, [204]);
}

// ---- layer switching (layerSwitch=1) ---------------------------------------------------------
// Phases: "top" (wait until the width is at least minTopWidth (640) and has not grown for 5 s,
// at least 40 frames decoded),
// "limited" (renegotiate with b=TIAS, wait for a narrower frame and 30 more decoded frames),
// "restored" (renegotiate without a limit, wait for the top width again), then "done".
const layers = { phase: cfg.layerSwitch === '1' ? 'top' : 'off', topWidth: 0, grewAt: 0, limitedWidth: null, mark: 0 };

async function renegotiate(limit) {
  receiveLimitBps = limit;
  const publisher = [...subscribed][0];
  await api('PUT', `/meetings/${MEETING}/media/subscribe`, { subscribe: [{ userId: publisher, type: 'video' }], unsubscribe: [] }, [204]);
}

async function stepLayers(video) {
  if (!video || layers.phase === 'off' || layers.phase === 'done' || layers.busy) return;
  const width = video.frameWidth || 0, decoded = video.framesDecoded || 0, t = now();
  layers.busy = true;
  try {
    if (layers.phase === 'top') {
      if (width > layers.topWidth) { layers.topWidth = width; layers.grewAt = t; }
      // At least two layers must have reached the subscriber (a sender still ramping up may
      // send only the lowest for a few seconds), and the width must have settled.
      if (decoded >= 40 && layers.topWidth >= Number(cfg.minTopWidth || 640) && t - layers.grewAt >= 5000) {
        report('layers', { phase: 'top', width: layers.topWidth, framesDecoded: decoded });
        layers.phase = 'limited';
        await renegotiate(Number(cfg.limitBps || 200000));
        layers.mark = t;
      }
    } else if (layers.phase === 'limited') {
      if (layers.limitedWidth === null && width > 0 && width < layers.topWidth) {
        layers.limitedWidth = width;
        layers.limitedFrames = decoded;
        report('layers', { phase: 'narrower', width, framesDecoded: decoded, afterMs: t - layers.mark });
      }
      if (layers.limitedWidth !== null && decoded >= layers.limitedFrames + 30) {
        report('layers', { phase: 'limited', width, framesDecoded: decoded });
        layers.phase = 'restored';
        await renegotiate(null);
        layers.mark = t;
      }
    } else if (layers.phase === 'restored') {
      if (width >= layers.topWidth) {
        report('layers', { phase: 'restored', width, framesDecoded: decoded, afterMs: t - layers.mark });
        layers.phase = 'done';
        report('layers', { phase: 'done' });
      }
    }
  } finally {
    layers.busy = false;
  }
}

async function runSubscriber() {
  subscriber();
  on('MEETING_SDP_OFFERED', (e) => {
    if (e.meetingId !== MEETING || (e.userId || '').toLowerCase() !== ME) return;
    offers = offers.then(() => answerOffer(e)).catch((err) => report('error', { text: 'answering offer: ' + describe(err) }));
  });
  on('MEETING_MEDIA_STREAM_CHANGED', (e) => {
    if (e.meetingId === MEETING && e.mediaType === 'VIDEO' && e.active) return subscribeTo(e.userId);
  });
  // Cameras published before this page joined: the participant list says so (videoStreamEnabled).
  const meeting = await api('GET', `/meetings/${MEETING}`);
  for (const p of meeting.participants || []) {
    if (p.videoStreamEnabled) await subscribeTo(p.userId);
  }
  step('subscriber: waiting for cameras');
}

// ---- main ------------------------------------------------------------------------------------

async function main() {
  report('step', { name: 'start', role: ROLE, userAgent: navigator.userAgent, href: location.origin });
  // The WSC web client's credentials: cookie ZM_AUTH_TOKEN (spec §6), path / so that the
  // WebSocket upgrade of /events carries it too.
  document.cookie = `ZM_AUTH_TOKEN=${cfg.token}; path=/; SameSite=Strict`;
  step('WebSocket /events');
  await openEvents();
  step('websocketConnected', { queueId });
  const joined = await api('POST', `/meetings/${MEETING}/join`,
    { audioStreamEnabled: false, videoStreamEnabled: false }, [200]);
  step('joined', { status: joined && joined.status });
  setInterval(sampleStats, STATS_MS);
  if (cfg.audio === '1') {
    startAudio().catch((e) => report('audio', { ok: false, stage: 'flow', error: describe(e) }));
  }
  if (ROLE === 'publisher') await publish();
  else await runSubscriber();
}

main().catch(async (e) => {
  report('error', { text: 'main: ' + describe(e), fatal: true });
  step('failed');
  await dumpAll('failure');
});
