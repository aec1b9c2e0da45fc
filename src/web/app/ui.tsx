/** Shared building blocks: labelled fields, buttons, badges, times, errors. Accessible by construction. */
import { Component, useEffect, useId, useState, type ReactNode } from 'react';
import { ApiError } from '../data/client';
import { fmtAgo, fmtDateTime, msg } from '../i18n';

/**
 * A labelled control with an optional hint and the server's errors for it; the control
 * gets both through aria-describedby, and `invalid` for aria-invalid.
 */
export function Field({
  label,
  hint,
  error,
  children,
  id,
}: {
  /** Text, or text with a part only screen readers need (which rule a field belongs to). */
  label: ReactNode;
  hint?: string;
  error?: readonly string[] | undefined;
  id?: string;
  children: (id: string, describedBy: string | undefined, invalid: boolean) => ReactNode;
}) {
  const auto = useId();
  const fid = id ?? auto;
  const hintId = hint ? `${fid}-hint` : undefined;
  const errorId = error?.length ? `${fid}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field">
      <label htmlFor={fid}>{label}</label>
      {children(fid, describedBy, errorId !== undefined)}
      {errorId && <FieldError id={errorId} messages={error!} />}
      {hint && (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
    </div>
  );
}

/** The server's messages about one field (or one part of a form), shown where they apply. */
export function FieldError({ id, messages }: { id?: string; messages: readonly string[] | undefined }) {
  if (!messages?.length) return null;
  return (
    <div className="field-error" id={id}>
      {messages.map((m, i) => (
        <p key={i}>{m}</p>
      ))}
    </div>
  );
}

export function ErrorBox({ error }: { error: Error | null | undefined }) {
  if (!error) return null;
  const lines = error instanceof ApiError ? error.messages : [error.message];
  return (
    <div className="error" role="alert">
      {lines.map((l, i) => (
        <p key={i}>{l}</p>
      ))}
    </div>
  );
}

export function Notice({ children, tone = 'info' }: { children: ReactNode; tone?: 'info' | 'ok' | 'warn' }) {
  return (
    <div className={`notice notice-${tone}`} role="status">
      {children}
    </div>
  );
}

export function StatusBadge({ status }: { status: string }) {
  const label = status === 'triggered' ? msg('ui.status.triggered') : status === 'acknowledged' ? msg('ui.status.acknowledged') : status === 'resolved' ? msg('ui.status.resolved') : status;
  return <span className={`badge badge-${status}`}>{label}</span>;
}

export function UrgencyBadge({ urgency }: { urgency: string }) {
  return <span className={`badge urgency-${urgency}`}>{urgency === 'high' ? msg('ui.high_urgency') : msg('ui.low_urgency')}</span>;
}

/** "5 minutes ago" in the person's language. */
export const ago = (iso: string, now = Date.now()): string => fmtAgo(iso, now);

/** A time shown relative ("5 minutes ago"), exact on hover and to screen readers via <time>. */
export function Time({ iso }: { iso: string }) {
  const [, tick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => tick((n) => n + 1), 30_000);
    return () => clearInterval(t);
  }, []);
  return (
    <time dateTime={iso} title={fmtDateTime(iso)}>
      {ago(iso)}
    </time>
  );
}

export function CopyButton({ text, label }: { text: string; label: string }) {
  const [done, setDone] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      // Clipboard API needs a secure context; fall back to a hidden textarea.
      const ta = document.createElement('textarea');
      ta.value = text;
      ta.setAttribute('readonly', '');
      ta.style.position = 'absolute';
      ta.style.left = '-9999px';
      document.body.appendChild(ta);
      ta.select();
      document.execCommand('copy');
      ta.remove();
    }
    setDone(true);
    setTimeout(() => setDone(false), 2000);
  };
  return (
    <button type="button" className="btn btn-secondary btn-small" onClick={() => void copy()} aria-label={label}>
      {done ? msg('ui.copied') : msg('ui.copy')}
    </button>
  );
}

export function CodeBlock({ code, label }: { code: string; label: string }) {
  return (
    <figure className="code">
      <figcaption>
        <span>{label}</span>
        <CopyButton text={code} label={msg('ui.copy_label', { label })} />
      </figcaption>
      <pre tabIndex={0} aria-label={label}>
        <code>{code}</code>
      </pre>
    </figure>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status" aria-live="polite">
      {msg('ui.loading', { what })}
    
    </p>
  );
}

/** The place of a screen whose file is still arriving (App's on-demand screens): announced, and plain to see. */
export function ScreenLoading() {
  return (
    <div className="screen-loading" role="status" aria-live="polite">
      <span className="screen-loading-mark" aria-hidden="true" />
      {msg('app.loading_screen')}
    </div>
  );
}

/**
 * Around the on-demand screens: a screen's file that cannot arrive (offline, or a new version
 * deployed since this page was opened) says so with a reload button instead of a blank page.
 * Opening another screen tries again.
 */
export class ScreenBoundary extends Component<{ path: string; children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };
  static getDerivedStateFromError(): { failed: boolean } {
    return { failed: true };
  }
  override componentDidUpdate(prev: { path: string }): void {
    if (prev.path !== this.props.path && this.state.failed) this.setState({ failed: false });
  }
  override render(): ReactNode {
    if (!this.state.failed) return this.props.children;
    return (
      <div className="error" role="alert">
        <p>{msg('app.screen_failed')}</p>
        <button type="button" className="btn btn-small" onClick={() => location.reload()}>
          {msg('app.reload')}
        </button>
      </div>
    );
  }
}

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · Vigil`;
  }, [title]);
  return (
    <div className="page-header">
      <h1 id="page-title" tabIndex={-1}>
        {title}
      </h1>
      {children && <div className="page-actions">{children}</div>}
    </div>
  );
}
