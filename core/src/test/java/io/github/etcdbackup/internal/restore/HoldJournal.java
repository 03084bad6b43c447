package io.github.etcdbackup.internal.restore;


import java.nio.file.Path;

/** A second process for {@link RestoreJournalTest}: opens (locks) a journal, says so, and holds it until killed. */
public final class HoldJournal {
    private HoldJournal() {
    }

    public static void main(String[] args) throws InterruptedException {
        RestoreJournal journal = RestoreJournal.open(Path.of(args[0]));
        System.out.println("locked, resume from step " + journal.recovered().resumeIndex());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
