package io.github.etcdbackup.internal.restore;

import io.github.etcdbackup.internal.common.InputValidation;
import io.github.etcdbackup.internal.common.Shell;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The script that writes the v2 keys of a {@code keys-version=v2} archive into a running etcd unit of the charm.
 *
 * <p>Why a script on the unit: a v2 archive ({@code etcdctl backup}) holds a WAL and a v2 store, not a v3 snapshot;
 * only etcd itself can read it, and the charm's own v2 restore replaces the whole data directory, which would drop
 * the v3 keys just restored. So the script does what the charm's v2 restore does to open such an archive (the snap's
 * own {@code etcd} binary with {@code --force-new-cluster}, here on loopback ports and a private directory), then
 * copies every v2 key with its value and remaining TTL into the live cluster through the v2 API, with the server
 * certificate the charm's {@code health} action uses. The live cluster is reached at the unit's own advertised client
 * URL (the first of {@code advertise-client-urls} in {@code etcd.conf.yml}, the db ingress address): charm revisions
 * before 2023 (layer-etcd before 4aed0e97, "Add 127.0.0.1 to the tls cert") issued certificates without
 * {@code 127.0.0.1}, so {@code https://127.0.0.1:2379} fails their TLS name check. Values go through stdin, so no
 * value is ever parsed by a shell or taken for an option; {@code etcdctl get} ends each value with one newline, which
 * is cut; an empty value is set as an empty argument (etcdctl refuses an empty stdin). A key that expires between the
 * listing and its read is skipped and counted.
 *
 * <p>Limits, written in the step's description: a key whose name holds a newline cannot be listed line by line and
 * fails the step; empty directories are recreated; hidden keys (starting with {@code _}) are not listed by etcd and
 * are not copied.
 */
final class V2KeyReplay {
    private static final Pattern REPLAYED = Pattern.compile("(?m)^replayed (\\d+) v2 keys$");

    private V2KeyReplay() {
    }

    /** The script for the archive at {@code remoteArchive} on the unit (an absolute, validated path). */
    public static String script(String remoteArchive) {
        InputValidation.remotePath(remoteArchive);
        return """
                set -euo pipefail
                archive=%s
                ctl=/snap/bin/etcd.etcdctl
                certs=/var/snap/etcd/common
                work=$(mktemp -d /var/tmp/etcd-backup-v2-replay.XXXXXX)
                pid=
                cleanup() { if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; rm -rf "$work"; }
                trap cleanup EXIT
                mkdir "$work/data"
                tar -xzf "$archive" -C "$work/data"
                if [ ! -d "$work/data/member/wal" ]; then echo "$archive holds no member/wal: not a v2 archive" >&2; exit 3; fi
                for attempt in 1 2 3 4 5; do
                  port=$((20000 + RANDOM %% 20000))
                  /snap/etcd/current/bin/etcd --name replay --data-dir "$work/data" --force-new-cluster --enable-v2 \\
                    --listen-client-urls "http://127.0.0.1:$port" --advertise-client-urls "http://127.0.0.1:$port" \\
                    --listen-peer-urls "http://127.0.0.1:$((port + 1))" \\
                    --initial-advertise-peer-urls "http://127.0.0.1:$((port + 1))" \\
                    --initial-cluster "replay=http://127.0.0.1:$((port + 1))" >"$work/etcd.log" 2>&1 &
                  pid=$!
                  for i in $(seq 150); do
                    if ETCDCTL_API=2 "$ctl" --endpoints "http://127.0.0.1:$port" ls / >/dev/null 2>&1; then break 2; fi
                    if ! kill -0 "$pid" 2>/dev/null; then break; fi
                    sleep 0.2
                  done
                  kill -9 "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=
                done
                if [ -z "$pid" ]; then echo "etcd did not start on the v2 archive:" >&2; tail -n 5 "$work/etcd.log" >&2; exit 4; fi
                old() { ETCDCTL_API=2 "$ctl" --endpoints "http://127.0.0.1:$port" "$@"; }
                endpoint=$(sed -n 's/^advertise-client-urls:[[:space:]]*//p' "$certs/etcd.conf.yml" | head -n 1 \\
                  | cut -d, -f1 | tr -d "\\"' ")
                case "$endpoint" in
                  https://*) ;;
                  *) echo "no https advertise-client-urls in $certs/etcd.conf.yml" >&2; exit 6 ;;
                esac
                live() { ETCDCTL_API=2 "$ctl" --endpoints "$endpoint" --ca-file "$certs/ca.crt" \\
                  --cert-file "$certs/server.crt" --key-file "$certs/server.key" "$@"; }
                for i in $(seq 300); do if live ls / >/dev/null 2>&1; then break; fi; sleep 0.2; done
                live ls / >/dev/null
                old ls --recursive -p / >"$work/keys"
                count=0
                skipped=0
                while IFS= read -r key <&3; do
                  case "$key" in
                    */) live mkdir -- "${key%%/}" >/dev/null 2>&1 || live ls -- "${key%%/}" >/dev/null ;;
                    *)
                      if ! old get -- "$key" >"$work/value" 2>"$work/error"; then
                        if grep -q "Key not found" "$work/error"; then skipped=$((skipped + 1)); continue; fi
                        cat "$work/error" >&2; exit 5
                      fi
                      head -c -1 "$work/value" >"$work/exact"
                      ttl=$(old -o extended get -- "$key" 2>/dev/null | sed -n '1,/^$/s/^TTL: //p' || true)
                      options=()
                      if [ -n "$ttl" ] && [ "$ttl" -gt 0 ] 2>/dev/null; then options=(--ttl "$ttl"); fi
                      if [ -s "$work/exact" ]; then
                        live set "${options[@]}" -- "$key" <"$work/exact" >/dev/null
                      else
                        live set "${options[@]}" -- "$key" "" >/dev/null
                      fi
                      count=$((count + 1)) ;;
                  esac
                done 3<"$work/keys"
                echo "replayed $count v2 keys"
                echo "skipped $skipped keys that expired before they were read"
                """.formatted(Shell.quoteAlways(remoteArchive));
    }

    /** The number of keys the script reports, if its output says. */
    public static Optional<Integer> replayed(String output) {
        Matcher m = REPLAYED.matcher(output);
        return m.find() ? Optional.of(Integer.parseInt(m.group(1))) : Optional.empty();
    }
}
