/**
 * Live updates: one EventSource on /api/v1/stream for the whole app. Pages
 * subscribe with useLive(fn); fn runs (debounced) when an incident changes, when
 * the stream reconnects (events may have been missed), when the tab comes back
 * into view, and once a minute as a backstop.
 */
import { useEffect, useRef, useState } from 'react';
import type { IncidentChanged } from './types';

type Listener = (e: IncidentChanged | null) => void;
const listeners = new Set<Listener>();
const stateListeners = new Set<(s: LiveState) => void>();
export type LiveState = 'connecting' | 'live' | 'offline';
let state: LiveState = 'connecting';
let source: EventSource | null = null;

function setState(s: LiveState) {
  state = s;
  for (const fn of stateListeners) fn(s);
}

function emit(e: IncidentChanged | null) {
  for (const fn of listeners) fn(e);
}

/** Open the stream (idempotent): the shell calls it so the indicator is true on every page. */
export function connectLive(): void {
  connect();
}

let enabled = true;

/** Volunteers have no organization-wide stream (it answers them 403): pages then refresh on the backstop only. */
export function setLiveEnabled(on: boolean): void {
  enabled = on;
  if (!on && source) disconnectLive();
}

function connect() {
  if (!enabled || source || typeof EventSource === 'undefined') return;
  source = new EventSource('/api/v1/stream');
  let opened = false;
  source.onopen = () => {
    setState('live');
    if (opened) emit(null); // reconnected: catch up
    opened = true;
  };
  source.onerror = () => setState('offline');
  source.addEventListener('incident', (ev) => {
    try {
      emit(JSON.parse((ev as MessageEvent<string>).data) as IncidentChanged);
    } catch {
      emit(null);
    }
  });
}

export function disconnectLive(): void {
  source?.close();
  source = null;
  setState('connecting');
}

export function useLive(fn: Listener, debounceMs = 120): void {
  const ref = useRef(fn);
  ref.current = fn;
  useEffect(() => {
    connect();
    let timer: ReturnType<typeof setTimeout> | null = null;
    let last: IncidentChanged | null = null;
    const listener: Listener = (e) => {
      last = e;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => ref.current(last), debounceMs);
    };
    listeners.add(listener);
    const onVisible = () => document.visibilityState === 'visible' && listener(null);
    document.addEventListener('visibilitychange', onVisible);
    const backstop = setInterval(() => listener(null), 60_000);
    return () => {
      listeners.delete(listener);
      document.removeEventListener('visibilitychange', onVisible);
      clearInterval(backstop);
      if (timer) clearTimeout(timer);
    };
  }, [debounceMs]);
}

export function useLiveState(): LiveState {
  const [s, set] = useState(state);
  useEffect(() => {
    stateListeners.add(set);
    return () => void stateListeners.delete(set);
  }, []);
  return s;
}
