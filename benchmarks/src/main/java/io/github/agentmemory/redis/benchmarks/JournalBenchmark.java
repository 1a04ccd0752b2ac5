package io.github.agentmemory.redis.benchmarks;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.recovery.journal.JournalEntry;
import io.github.agentmemory.redis.recovery.journal.JournalSettings;
import io.github.agentmemory.redis.recovery.journal.JournalSync;
import io.github.agentmemory.redis.recovery.journal.SqliteRecoveryJournal;
import org.HdrHistogram.Histogram;

/**
 * Benchmark of the recovery journal alone (no Redis): acknowledged appends per second
 * with many concurrent appenders, recover() and batched removals per second, and heap
 * kept per journaled entry, for each sync policy. See benchmarks/README.md, "Recovery
 * journal".
 *
 * <p>
 * Options: {@code --dir=PATH} (benchmarks/target/journal-bench; must be on the disk to
 * measure, not a tmpfs), {@code --threads=N} (16 appender threads), {@code --in-flight=N}
 * (64 unacknowledged appends per thread), {@code --seconds=N} (5 measured seconds per
 * run, after 2 of warm-up), {@code --rounds=N} (3), {@code --entries=N} (100,000 for
 * recover/remove), {@code --heap-entries=N} (200,000).
 */
public final class JournalBenchmark {

	private static final String VALUE = "v".repeat(100);

	private final Path root;

	private final int threads;

	private final int inFlight;

	private final int seconds;

	private final int rounds;

	private final int entries;

	private final int heapEntries;

	private int run;

	private JournalBenchmark(String[] args) {
		this.root = Path.of(option(args, "dir", "benchmarks/target/journal-bench"));
		this.threads = Integer.parseInt(option(args, "threads", "16"));
		this.inFlight = Integer.parseInt(option(args, "in-flight", "64"));
		this.seconds = Integer.parseInt(option(args, "seconds", "5"));
		this.rounds = Integer.parseInt(option(args, "rounds", "3"));
		this.entries = Integer.parseInt(option(args, "entries", "100000"));
		this.heapEntries = Integer.parseInt(option(args, "heap-entries", "200000"));
	}

	public static void main(String[] args) throws Exception {
		new JournalBenchmark(args).runAll();
		System.exit(0);
	}

	private static String option(String[] args, String name, String fallback) {
		for (String arg : args) {
			if (arg.startsWith("--" + name + "=")) {
				return arg.substring(name.length() + 3);
			}
		}
		return fallback;
	}

	private void runAll() throws Exception {
		deleteRecursively(this.root);
		Files.createDirectories(this.root);
		System.out.printf("machine: %d cores, load average %s, java %s, journal on %s%n",
				Runtime.getRuntime().availableProcessors(), Files.readString(Path.of("/proc/loadavg")).trim(),
				System.getProperty("java.version"), this.root.toAbsolutePath());
		System.out.printf("appenders: %d threads x %d in flight; %d s measured per round, %d rounds%n", this.threads,
				this.inFlight, this.seconds, this.rounds);
		System.out.println("entry: SET of a 100-byte value with a 12-byte key (" + JournalEntrySize.of(entry(0))
				+ " bytes encoded)");
		for (JournalSync sync : JournalSync.values()) {
			System.out.println("== " + sync);
			List<Double> rates = new ArrayList<>();
			for (int round = 0; round < this.rounds; round++) {
				rates.add(appends(sync, round));
			}
			rates.sort(Comparator.naturalOrder());
			System.out.printf("  appends/s: median %.0f (min %.0f, max %.0f)%n", rates.get(rates.size() / 2),
					rates.get(0), rates.get(rates.size() - 1));
			recoverAndRemove(sync, "cold (first in this JVM for the policy)");
			recoverAndRemove(sync, "warm");
			heap(sync);
		}
		deleteRecursively(this.root);
	}

	private double appends(JournalSync sync, int round) throws Exception {
		Path directory = this.root.resolve("append-" + (this.run++));
		try (SqliteRecoveryJournal journal = new SqliteRecoveryJournal(settings(directory, sync))) {
			journal.recover();
			AtomicLong sequence = new AtomicLong();
			LongAdder acknowledged = new LongAdder();
			LongAdder failed = new LongAdder();
			Histogram latency = new Histogram(TimeUnit.SECONDS.toNanos(60), 2);
			long warmUpEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
			long end = warmUpEnd + TimeUnit.SECONDS.toNanos(this.seconds);
			AtomicLong measuredFrom = new AtomicLong();
			CountDownLatch done = new CountDownLatch(this.threads);
			long[] acknowledgedAtWarmUp = new long[1];
			for (int t = 0; t < this.threads; t++) {
				Thread thread = new Thread(() -> {
					Semaphore window = new Semaphore(this.inFlight);
					try {
						while (System.nanoTime() < end) {
							window.acquire();
							long start = System.nanoTime();
							journal.append(entry(sequence.getAndIncrement())).whenComplete((ok, ex) -> {
								long now = System.nanoTime();
								if (ex != null) {
									failed.increment();
								}
								else if (now >= warmUpEnd && now < end) {
									acknowledged.increment();
									synchronized (latency) {
										latency.recordValue(Math.min(now - start, latency.getHighestTrackableValue()));
									}
								}
								window.release();
							});
						}
						window.acquire(this.inFlight);
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
					}
					finally {
						done.countDown();
					}
				}, "appender-" + t);
				thread.start();
			}
			done.await();
			double rate = acknowledged.sum() / (double) this.seconds;
			System.out.printf(
					"  round %d: %,.0f acknowledged appends/s, ack latency p50 %.2f ms, p99 %.2f ms, max %.2f ms; "
							+ "commit avg %.2f ms; failed %d; journal %,d entries, %,d bytes%n",
					round + 1, rate, latency.getValueAtPercentile(50) / 1e6, latency.getValueAtPercentile(99) / 1e6,
					latency.getMaxValue() / 1e6,
					journal.stats().averageCommitLatency().toNanos() / 1e6, failed.sum(), journal.stats().entries(),
					journal.stats().bytes());
			return rate;
		}
		finally {
			deleteRecursively(directory);
		}
	}

	private void recoverAndRemove(JournalSync sync, String label) throws Exception {
		Path directory = this.root.resolve("recover-" + (this.run++));
		try {
			fill(directory, sync, this.entries);
			long start = System.nanoTime();
			try (SqliteRecoveryJournal journal = new SqliteRecoveryJournal(settings(directory, sync))) {
				long opened = System.nanoTime();
				List<JournalEntry> recovered = journal.recover();
				long read = System.nanoTime();
				for (JournalEntry entry : recovered) {
					journal.remove(entry.sequence());
				}
				while (journal.stats().entries() > 0) {
					// poll without taking a core from the writer (2 cores)
					LockSupport.parkNanos(100_000);
				}
				long removed = System.nanoTime();
				System.out.printf(
						"  %s: open %.0f ms; recover() of %,d entries %.0f ms = %,.0f entries/s; "
								+ "%,d removals committed in %.0f ms = %,.0f removals/s%n",
						label, (opened - start) / 1e6, recovered.size(), (read - opened) / 1e6,
						recovered.size() / ((read - opened) / 1e9), recovered.size(), (removed - read) / 1e6,
						recovered.size() / ((removed - read) / 1e9));
			}
		}
		finally {
			deleteRecursively(directory);
		}
	}

	private void heap(JournalSync sync) throws Exception {
		Path directory = this.root.resolve("heap-" + (this.run++));
		try (SqliteRecoveryJournal journal = new SqliteRecoveryJournal(settings(directory, sync))) {
			journal.recover();
			append(journal, 0, 1000);
			long before = usedHeapAfterGc();
			append(journal, 1000, this.heapEntries);
			long after = usedHeapAfterGc();
			System.out.printf("  heap kept by the journal: %,d bytes for %,d committed entries = %.1f bytes/entry%n",
					after - before, journal.stats().entries(), (after - before) / (double) this.heapEntries);
		}
		finally {
			deleteRecursively(directory);
		}
	}

	private void fill(Path directory, JournalSync sync, int count) throws Exception {
		try (SqliteRecoveryJournal journal = new SqliteRecoveryJournal(settings(directory, sync))) {
			journal.recover();
			append(journal, 0, count);
		}
	}

	private static void append(SqliteRecoveryJournal journal, long first, int count) throws InterruptedException {
		Semaphore window = new Semaphore(4096);
		for (long sequence = first; sequence < first + count; sequence++) {
			window.acquire();
			journal.append(entry(sequence)).whenComplete((ok, ex) -> window.release());
		}
		window.acquire(4096);
		window.release(4096);
	}

	private static long usedHeapAfterGc() {
		for (int i = 0; i < 3; i++) {
			System.gc();
		}
		return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
	}

	private static JournalSettings settings(Path directory, JournalSync sync) {
		return JournalSettings.builder().directory(directory).sync(sync).maxEntries(100_000_000).build();
	}

	private static JournalEntry entry(long sequence) {
		return new JournalEntry(sequence, Priority.NORMAL, RedisWrite.set("key:" + (sequence % 10_000), VALUE),
				System.currentTimeMillis());
	}

	private static void deleteRecursively(Path path) throws IOException {
		if (!Files.exists(path)) {
			return;
		}
		try (Stream<Path> files = Files.walk(path)) {
			for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
				Files.deleteIfExists(file);
			}
		}
	}

	/** The encoded size of an entry, measured from the journal's byte count. */
	private static final class JournalEntrySize {

		static long of(JournalEntry entry) {
			try {
				Path directory = Files.createTempDirectory("journal-size");
				try (SqliteRecoveryJournal journal = new SqliteRecoveryJournal(JournalSettings.create(directory))) {
					journal.recover();
					journal.append(entry).join();
					return journal.stats().bytes();
				}
				finally {
					deleteRecursively(directory);
				}
			}
			catch (IOException ex) {
				return -1;
			}
		}

	}

}
