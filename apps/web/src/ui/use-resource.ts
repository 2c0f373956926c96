import { useCallback, useEffect, useState } from 'react';

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
}

/** Loads `load()` when `key` changes or on `reload()`; answers of superseded loads are ignored. */
export function useResource<T>(load: () => Promise<T>, key: string): Resource<T> {
  const [generation, setGeneration] = useState(0);
  const [result, setResult] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });

  useEffect(() => {
    let current = true;
    setResult((previous) => ({ ...previous, loading: true }));
    load().then(
      (data) => current && setResult({ data, loading: false }),
      (error: unknown) => current && setResult({ error, loading: false }),
    );
    return () => {
      current = false;
    };
    // `load` is recreated each render; `key` says when it means something new.
  }, [key, generation]);

  const reload = useCallback(() => setGeneration((n) => n + 1), []);
  return { data: result.data, error: result.error, loading: result.loading, reload };
}
