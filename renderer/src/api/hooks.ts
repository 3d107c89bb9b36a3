import { useMutation, useQuery, useQueryClient, type UseQueryOptions } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import type { EventName, EventPayload, MethodInput, MethodName, MethodResult } from '../../../electron/shared/contract';
import { call, subscribe, type DeckClientError } from './client';

/** A query keyed by method and params; refetched when an event invalidates the method. */
export function useCall<M extends MethodName>(
  method: M,
  params: MethodInput<M>,
  opts: Omit<UseQueryOptions<MethodResult<M>, DeckClientError>, 'queryKey' | 'queryFn'> = {},
) {
  return useQuery<MethodResult<M>, DeckClientError>({
    queryKey: [method, params],
    queryFn: () => call(method, params),
    ...opts,
  });
}

/** A mutation that invalidates the given methods' queries when it succeeds. */
export function useAction<M extends MethodName>(method: M, invalidates: MethodName[] = []) {
  const qc = useQueryClient();
  return useMutation<MethodResult<M>, DeckClientError, MethodInput<M>>({
    mutationFn: (params) => call(method, params),
    onSuccess: () => {
      for (const m of invalidates) void qc.invalidateQueries({ queryKey: [m] });
    },
  });
}

/** Subscribe to an event for the lifetime of the component. */
export function useEvent<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): void {
  const ref = useRef(listener);
  ref.current = listener;
  useEffect(() => subscribe(event, (p) => ref.current(p)), [event]);
}

/** Events announce change; the matching queries refetch. */
export function useInvalidateOn(event: EventName, methods: MethodName[]): void {
  const qc = useQueryClient();
  useEvent(event, () => {
    for (const m of methods) void qc.invalidateQueries({ queryKey: [m] });
  });
}
