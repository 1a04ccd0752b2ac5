package io.github.agentmemory.redis.recovery.journal;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

/**
 * The child JVM of the crash and lock tests. {@code append DIR SYNC IN_FLIGHT [LIMIT]}
 * appends entries 0, 1, 2, ..., at most IN_FLIGHT unacknowledged at once, and prints
 * {@code ACK n} once entry n is acknowledged; the parent kills it with SIGKILL. Without
 * LIMIT it appends for ever, so that the kill falls in the middle of a write; with LIMIT
 * it stops after LIMIT appends, prints {@code IDLE} once all are acknowledged and waits,
 * so that the kill leaves the log as the last commit left it. {@code hold DIR} opens the
 * journal, prints {@code OPEN} and waits until its input closes.
 */
public final class JournalChild {

	private JournalChild() {
	}

	public static void main(String[] args) throws Exception {
		PrintStream out = new PrintStream(System.out, false);
		JournalSettings settings = JournalSettings.builder()
			.directory(Path.of(args[1]))
			.sync((args.length > 2) ? JournalSync.valueOf(args[2]) : JournalSync.PROCESS_CRASH)
			.build();
		SqliteRecoveryJournal journal = new SqliteRecoveryJournal(settings);
		if (args[0].equals("hold")) {
			out.println("OPEN");
			out.flush();
			while (System.in.read() >= 0) {
				// wait for the parent to close our input
			}
			journal.close();
			return;
		}
		journal.recover();
		int maxInFlight = Integer.parseInt(args[3]);
		long limit = (args.length > 4) ? Long.parseLong(args[4]) : Long.MAX_VALUE;
		Semaphore inFlight = new Semaphore(maxInFlight);
		for (long sequence = 0; sequence < limit; sequence++) {
			inFlight.acquire();
			long acknowledged = sequence;
			CompletableFuture<Void> appended = journal.append(JournalTestEntries.entry(sequence));
			appended.whenComplete((ok, ex) -> {
				synchronized (out) {
					out.println((ex != null) ? "FAILED " + acknowledged + " " + ex : "ACK " + acknowledged);
					out.flush();
				}
				inFlight.release();
			});
		}
		inFlight.acquire(maxInFlight);
		synchronized (out) {
			out.println("IDLE");
			out.flush();
		}
		while (System.in.read() >= 0) {
			// wait for the kill
		}
	}

}
