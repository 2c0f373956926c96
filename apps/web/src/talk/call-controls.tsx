import { useEffect, useId, useState, type FormEvent } from 'react';
import type { Microphone } from './talk-settings';

/** How often the level meter reads the microphone (the analyser keeps the last ~20 ms). */
const LEVEL_INTERVAL_MS = 100;

/** The microphone's level as a bar, read every 100 ms while `active`. */
export function LevelMeter({ read, active, muted }: { read(): number; active: boolean; muted: boolean }) {
  const [level, setLevel] = useState(0);
  useEffect(() => {
    if (!active || muted) {
      setLevel(0);
      return;
    }
    const timer = window.setInterval(() => setLevel(read()), LEVEL_INTERVAL_MS);
    return () => window.clearInterval(timer);
  }, [read, active, muted]);
  // Speech sits around 0.02–0.2 RMS: a square root spreads it over the bar.
  const shown = Math.round(Math.min(1, Math.sqrt(level) * 1.6) * 100);
  return (
    <span
      className={`level-meter ${muted ? 'level-muted' : ''}`}
      role="meter"
      aria-label="Microphone level"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={muted ? 0 : shown}
      aria-valuetext={muted ? 'muted' : `${shown}%`}
      data-testid="input-level"
    >
      <span className="level-fill" style={{ width: `${muted ? 0 : shown}%` }} />
    </span>
  );
}

/** The microphone list; empty value: the system default. */
export function MicrophonePicker({ microphones, value, onChange }: { microphones: Microphone[]; value: string | null; onChange(deviceId: string | null): void }) {
  const known = value !== null && microphones.some((mic) => mic.deviceId === value);
  return (
    <div className="field">
      <label htmlFor="talk-microphone">Microphone</label>
      <select id="talk-microphone" data-testid="microphone-picker" value={known ? (value ?? '') : ''} onChange={(event) => onChange(event.target.value || null)}>
        <option value="">System default</option>
        {microphones.map((mic) => (
          <option key={mic.deviceId} value={mic.deviceId}>
            {mic.label}
          </option>
        ))}
      </select>
    </div>
  );
}

export function VolumeSlider({ volume, onChange }: { volume: number; onChange(volume: number): void }) {
  const id = useId();
  return (
    <span className="volume">
      <label htmlFor={id}>Volume</label>
      <input
        id={id}
        type="range"
        min={0}
        max={100}
        step={5}
        value={Math.round(volume * 100)}
        aria-valuetext={`${Math.round(volume * 100)}%`}
        data-testid="output-volume"
        onChange={(event) => onChange(Number(event.target.value) / 100)}
      />
    </span>
  );
}

/** Type instead of speaking: a text turn in the same conversation. */
export function TextTurnForm({ enabled, onSend }: { enabled: boolean; onSend(text: string): void }) {
  const [text, setText] = useState('');
  function submit(event: FormEvent) {
    event.preventDefault();
    if (!enabled || !text.trim()) return;
    onSend(text);
    setText('');
  }
  return (
    <form className="text-turn" onSubmit={submit} aria-label="Type a message">
      <label htmlFor="talk-text" className="visually-hidden">
        Message to the agent
      </label>
      <input
        id="talk-text"
        data-testid="text-input"
        type="text"
        autoComplete="off"
        maxLength={10_000}
        placeholder={enabled ? 'Type a message…' : 'Start a call to type a message'}
        disabled={!enabled}
        value={text}
        onChange={(event) => setText(event.target.value)}
      />
      <button type="submit" data-testid="send-text" disabled={!enabled || !text.trim()}>
        Send
      </button>
    </form>
  );
}
