package io.github.etcdbackup.metrics;

import io.github.etcdbackup.BackupEvent;
import io.github.etcdbackup.ProgressListener;
import io.github.etcdbackup.store.StoreCheck;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Records what a client does as Micrometer meters, so that a failed nightly backup is an alert and not only a log
 * line. Give it to the client as its listener ({@code EtcdBackupClient.builder().listener(metrics)}) and pass the
 * result of {@code SnapshotStore.verifyAll()} to {@link #recordVerification}.
 *
 * <ul>
 *   <li>{@value #OPERATIONS} (timer): every operation's duration, tagged {@code operation} (the first word:
 *       {@code backup}, {@code download}, {@code restore}, ...), {@code outcome} ({@code success} or
 *       {@code failure}) and {@code exception} (the simple name of the library's exception, {@code none} on
 *       success); its count is the outcome counter.</li>
 *   <li>{@value #ARCHIVE_SIZE} (distribution summary, bytes): each saved archive, tagged {@code application} and
 *       {@code encrypted}.</li>
 *   <li>{@value #LAST_SUCCESS} (gauge, seconds since the epoch): when each application's last archive was saved,
 *       tagged {@code application}; alert when {@code time() - etcd_backup_last_success_seconds > 26h}.</li>
 *   <li>{@value #STORE_ARCHIVES} (gauge): the archives of the last verification, tagged {@code status}
 *       ({@code ok}, {@code problem}).</li>
 * </ul>
 *
 * <p>Thread-safe: one instance may serve several clients.
 */
public final class EtcdBackupMetrics implements ProgressListener {
    /** The timer of every operation. */
    public static final String OPERATIONS = "etcd.backup.operations";
    /** The size of each saved archive. */
    public static final String ARCHIVE_SIZE = "etcd.backup.archive.size";
    /** When each unit's last archive was saved. */
    public static final String LAST_SUCCESS = "etcd.backup.last.success";
    /** The archives of the last verification, by status. */
    public static final String STORE_ARCHIVES = "etcd.backup.store.archives";

    /**
     * The values behind the gauges, one set per registry: Micrometer keeps the first gauge registered under an id
     * and ignores the others, so every instance on a registry must feed the same holders.
     */
    private static final Map<MeterRegistry, State> STATES = Collections.synchronizedMap(new WeakHashMap<>());

    private final MeterRegistry registry;
    private final State state;

    /** What the gauges read; held strongly by the gauges, so they never turn NaN. */
    private static final class State {
        final Map<String, AtomicLong> lastSuccess = new ConcurrentHashMap<>();
        final AtomicLong storeOk = new AtomicLong();
        final AtomicLong storeProblems = new AtomicLong();
    }

    private EtcdBackupMetrics(MeterRegistry registry, State state) {
        this.registry = registry;
        this.state = state;
    }

    /** Meters in {@code registry}; instances on the same registry share their gauges. */
    public static EtcdBackupMetrics on(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        State state = STATES.computeIfAbsent(registry, r -> {
            State fresh = new State();
            Gauge.builder(STORE_ARCHIVES, fresh.storeOk, AtomicLong::get).tags("status", "ok").strongReference(true)
                    .description("archives that verified in the last verification").register(r);
            Gauge.builder(STORE_ARCHIVES, fresh.storeProblems, AtomicLong::get).tags("status", "problem")
                    .strongReference(true).description("archives or files with a problem in the last verification")
                    .register(r);
            return fresh;
        });
        return new EtcdBackupMetrics(registry, state);
    }

    @Override
    public void onEvent(BackupEvent event) {
        if (event instanceof BackupEvent.Completed completed) {
            timer(completed.operation(), "success", "none").record(completed.elapsed());
        } else if (event instanceof BackupEvent.Failed failed) {
            timer(failed.operation(), "failure", failed.error().getClass().getSimpleName()).record(failed.elapsed());
        } else if (event instanceof BackupEvent.ArchiveSaved saved) {
            // By application, not unit: backups of etcd/leader land on whichever unit leads, and a per-unit
            // series would freeze (and alert) when the leader moves.
            String application = application(saved.unit());
            DistributionSummary.builder(ARCHIVE_SIZE).baseUnit("bytes")
                    .tags("application", application, "encrypted", Boolean.toString(saved.encrypted()))
                    .description("size of each verified archive saved").register(registry)
                    .record(saved.sizeBytes());
            state.lastSuccess.computeIfAbsent(application, app -> {
                AtomicLong holder = new AtomicLong();
                Gauge.builder(LAST_SUCCESS, holder, AtomicLong::get).tags("application", app).baseUnit("seconds")
                        .strongReference(true)
                        .description("when the application's last verified archive was saved (epoch)")
                        .register(registry);
                return holder;
            }).set(saved.at().getEpochSecond());
        }
    }

    /** Records what a verification of the store found; the gauges keep it until the next one. */
    public void recordVerification(List<StoreCheck> checks) {
        long ok = checks.stream().filter(StoreCheck::ok).count();
        state.storeOk.set(ok);
        state.storeProblems.set(checks.size() - ok);
        Counter.builder(STORE_ARCHIVES + ".verifications").description("verifications of the store recorded")
                .register(registry).increment();
    }

    private Timer timer(String operation, String outcome, String exception) {
        return Timer.builder(OPERATIONS).description("etcd-backup operations, by outcome")
                .tags(Tags.of("operation", kind(operation), "outcome", outcome, "exception", exception))
                .register(registry);
    }

    private static String application(String unit) {
        int slash = unit.indexOf('/');
        return slash < 0 ? unit : unit.substring(0, slash);
    }

    /** The first word of an operation ({@code backup etcd/0} is a {@code backup}): few values, fit for a tag. */
    private static String kind(String operation) {
        int space = operation.indexOf(' ');
        return space < 0 ? operation : operation.substring(0, space);
    }
}
