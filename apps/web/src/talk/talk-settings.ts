import { useCallback, useEffect, useState } from 'react';

/** The Talk page's choices, remembered in localStorage (nothing secret: a device id and a volume). */
export const MICROPHONE_STORAGE = 'voxbridge.microphone';
export const VOLUME_STORAGE = 'voxbridge.outputVolume';

function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null; // storage disabled: the choice lasts for this page only
  }
}

function write(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // storage disabled: the choice lasts for this page only
  }
}

/** A remembered value and its setter. */
function useRemembered<T>(key: string, parse: (stored: string | null) => T, format: (value: T) => string | null): [T, (value: T) => void] {
  const [value, setValue] = useState(() => parse(read(key)));
  const set = useCallback(
    (next: T) => {
      write(key, format(next));
      setValue(next);
    },
    [key, format],
  );
  return [value, set];
}

const parseVolume = (stored: string | null) => {
  const value = stored === null ? NaN : Number(stored);
  return Number.isFinite(value) && value >= 0 && value <= 1 ? value : 1;
};
const formatVolume = (value: number) => String(value);
const parseMicrophone = (stored: string | null) => (stored ? stored : null);
const formatMicrophone = (value: string | null) => value;

/** Speaker volume, 0–1 (default 1). */
export function useOutputVolume(): [number, (volume: number) => void] {
  return useRemembered(VOLUME_STORAGE, parseVolume, formatVolume);
}

/** The chosen microphone's `deviceId`; null: the system default. */
export function useMicrophoneChoice(): [string | null, (deviceId: string | null) => void] {
  return useRemembered(MICROPHONE_STORAGE, parseMicrophone, formatMicrophone);
}

export interface Microphone {
  deviceId: string;
  label: string;
}

/**
 * The microphones the browser lists, kept current (plugging one in fires `devicechange`).
 * Before the user has allowed the microphone, browsers hide labels: those are named by number.
 * `refresh()` after a call starts brings the labels.
 */
export function useMicrophones(): { microphones: Microphone[]; refresh(): void } {
  const [microphones, setMicrophones] = useState<Microphone[]>([]);
  const refresh = useCallback(() => {
    const devices = typeof navigator === 'undefined' ? undefined : navigator.mediaDevices;
    if (!devices?.enumerateDevices) return;
    devices.enumerateDevices().then(
      (all) => {
        const inputs = all.filter((device) => device.kind === 'audioinput' && device.deviceId !== '' && device.deviceId !== 'default');
        setMicrophones(inputs.map((device, index) => ({ deviceId: device.deviceId, label: device.label || `Microphone ${index + 1}` })));
      },
      (error: unknown) => console.warn('listing the microphones failed', error),
    );
  }, []);
  useEffect(() => {
    refresh();
    const devices = navigator.mediaDevices;
    devices?.addEventListener?.('devicechange', refresh);
    return () => devices?.removeEventListener?.('devicechange', refresh);
  }, [refresh]);
  return { microphones, refresh };
}
