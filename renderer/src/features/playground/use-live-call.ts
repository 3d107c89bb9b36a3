import type { UseQueryOptions } from '@tanstack/react-query';
import type { MethodInput, MethodName, MethodResult } from '../../../../electron/shared/contract';
import type { DeckClientError } from '../../api/client';
import { useCall } from '../../api/hooks';
import { useConnection } from '../../stores/connection';

/** useCall that waits for the connection: a query sent before the socket opens would fail for good. */
export function useLiveCall<M extends MethodName>(
  method: M,
  params: MethodInput<M>,
  opts: Omit<UseQueryOptions<MethodResult<M>, DeckClientError>, 'queryKey' | 'queryFn'> = {},
) {
  const open = useConnection((s) => s.state === 'open');
  return useCall(method, params, { ...opts, enabled: open && (opts.enabled ?? true) });
}
