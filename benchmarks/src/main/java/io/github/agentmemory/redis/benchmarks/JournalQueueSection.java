package io.github.agentmemory.redis.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.command.Priority;
import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.command.WriteOutcome;
import io.github.agentmemory.redis.recovery.RecoveryQueue;
import io.github.agentmemory.redis.recovery.journal.JournalSync;
import io.github.agentmemory.redis.recovery.journal.RecoveryJournal;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;

import org.springframework.context.ConfigurableApplicationContext;

/**
 * The recovery journal in the write path, end to end through the template: with the
 * server down, N NORMAL writes (distinct keys, distinct 100-byte values) are answered
 * QUEUED only once journaled; the application is restarted (its queued writes handed
 * over to the journal), the server comes back, and the new context drains the journal.
 * One cell per sync policy, the policies interleaved in an order rotated from round to
 * round; the first round is a warm-up and is not reported.
 */
final class JournalQueueSection {

	static final List<JournalSync> POLICIES = List.of(JournalSync.PROCESS_CRASH, JournalSync.POWER_LOSS);

	private static final int IN_FLIGHT = 4096;

	private final Options options;

	private final RedisProcess redis;

	final List<Cell> cells = new ArrayList<>();

	Map<String, Object> properties;

	JournalQueueSection(Options options, RedisProcess redis) {
		this.options = options;
		this.redis = redis;
	}

	/**
	 * One measured cell.
	 *
	 * @param sync the sync policy
	 * @param round the round, 0 for the warm-up
	 * @param writes writes issued
	 * @param queuedPerSecond writes answered QUEUED per second (first call to last answer)
	 * @param notQueued writes answered otherwise
	 * @param heapPerWrite used heap after GC per queued write: the in-memory queue and the
	 * journal together
	 * @param journalHeapPerWrite live heap growth of the journal's and sqlite-jdbc's own
	 * classes per queued write
	 * @param diskBytesPerWrite journal.db plus its write-ahead log per queued write
	 * @param startMillis the restarted context's start, which takes the writes back from
	 * the journal
	 * @param recovered writes the restarted context took back
	 * @param drainPerSecond recovered writes per second from the first to the last applied
	 * @param restartToEmptyMillis context start to an empty queue and journal
	 * @param replayed writes replayed by the restarted context
	 * @param dropped writes dropped by either context
	 * @param keys keys in Redis afterwards
	 * @param growth live heap growth by class while the writes were queued
	 */
	record Cell(JournalSync sync, int round, int writes, double queuedPerSecond, long notQueued, double heapPerWrite,
			double journalHeapPerWrite, double diskBytesPerWrite, double startMillis, long recovered,
			double drainPerSecond, double restartToEmptyMillis, long replayed, long dropped, long keys,
			List<HeapHistogram.Row> growth) {
	}

	void run() throws Exception {
		Path root = Path.of(this.options.journalDirectory).toAbsolutePath();
		for (int round = 0; round <= this.options.journalRounds; round++) {
			for (int i = 0; i < POLICIES.size(); i++) {
				JournalSync sync = POLICIES.get((i + round) % POLICIES.size());
				System.out.println("  journal-queue round " + round + ((round == 0) ? " (warm-up)" : "") + ", " + sync);
				Path directory = root.resolve(round + "-" + sync.name().toLowerCase(Locale.ROOT));
				delete(directory);
				Cell cell = cell(sync, round, directory);
				delete(directory);
				System.out.println(Stats.f("    queued %s writes/s, drain %s writes/s, heap %s B/write (journal's own %s)",
						Stats.num(cell.queuedPerSecond()), Stats.num(cell.drainPerSecond()),
						Stats.num(cell.heapPerWrite()), Stats.num(cell.journalHeapPerWrite())));
				this.cells.add(cell);
			}
		}
	}

	private Cell cell(JournalSync sync, int round, Path directory) throws Exception {
		int writes = this.options.journalQueueWrites;
		this.redis.admin().flushall();
		this.properties = Contexts.redisAt(this.redis.host(), this.redis.port());
		this.properties.put("agent-memory.redis.recovery.capacity", Math.max(100_000, writes * 2));
		this.properties.put("agent-memory.redis.circuit-breaker.wait-duration-in-open-state", "1s");
		this.properties.put("agent-memory.redis.recovery.shutdown-timeout", "100ms");
		this.properties.put("agent-memory.redis.recovery.journal.enabled", true);
		this.properties.put("agent-memory.redis.recovery.journal.path", directory.toString());
		this.properties.put("agent-memory.redis.recovery.journal.sync", sync.name());
		if (this.options.journalFlushConsolidation) {
			this.properties.put("agent-memory.redis.flush-consolidation.enabled", true);
		}
		double queuedPerSecond;
		double heapPerWrite;
		double journalHeapPerWrite;
		List<HeapHistogram.Row> growth;
		double diskBytesPerWrite;
		AtomicLong notQueued = new AtomicLong();
		long dropped;
		try (ConfigurableApplicationContext context = Contexts.start(Contexts.BootRedisWithStarter.class,
				this.properties)) {
			AsyncResilientRedisTemplate template = context.getBean(AsyncResilientRedisTemplate.class);
			RecoverySection.warmUpThenKill(template, context.getBean(CircuitBreaker.class), this.redis);
			long heapBefore = RecoverySection.usedHeapAfterGc();
			HeapHistogram histogramBefore = HeapHistogram.take();
			Semaphore unanswered = new Semaphore(IN_FLIGHT);
			CountDownLatch answered = new CountDownLatch(writes);
			long start = System.nanoTime();
			for (int i = 0; i < writes; i++) {
				unanswered.acquireUninterruptibly();
				template.write(RedisWrite.set("bench:j:" + i, RecoverySection.value(i)), Priority.NORMAL)
					.whenComplete((outcome, ex) -> {
						if (ex != null || outcome.status() != WriteOutcome.Status.QUEUED) {
							notQueued.incrementAndGet();
						}
						unanswered.release();
						answered.countDown();
					});
			}
			answered.await();
			queuedPerSecond = writes * 1e9 / (System.nanoTime() - start);
			// the caller keeps nothing: what stays is what the queue and the journal hold
			heapPerWrite = (double) (RecoverySection.usedHeapAfterGc() - heapBefore) / writes;
			List<HeapHistogram.Row> allGrowth = HeapHistogram.take().growthSince(histogramBefore, Integer.MAX_VALUE);
			growth = allGrowth.subList(0, Math.min(12, allGrowth.size()));
			journalHeapPerWrite = (double) allGrowth.stream()
				.filter((row) -> row.className().startsWith("io.github.agentmemory.redis.recovery.journal.")
						|| row.className().startsWith("org.sqlite."))
				.mapToLong(HeapHistogram.Row::bytes)
				.sum() / writes;
			diskBytesPerWrite = (double) (size(directory.resolve("journal.db"))
					+ size(directory.resolve("journal.db-wal"))) / writes;
			dropped = template.recoveryStats().totalDropped();
		}
		// the writes were handed over to the journal at shutdown; the server comes back
		this.redis.start();
		long restarted = System.nanoTime();
		try (ConfigurableApplicationContext context = Contexts.start(Contexts.BootRedisWithStarter.class,
				this.properties)) {
			long started = System.nanoTime();
			AsyncResilientRedisTemplate template = context.getBean(AsyncResilientRedisTemplate.class);
			RecoveryQueue queue = context.getBean(RecoveryQueue.class);
			RecoveryJournal journal = context.getBean(RecoveryJournal.class);
			long recovered = journal.stats().recovered();
			long first = -1;
			long last = -1;
			long end = started + TimeUnit.SECONDS.toNanos(this.options.drainTimeoutSeconds);
			int size = queue.size();
			while ((size > 0 || journal.stats().entries() > 0) && System.nanoTime() - end < 0) {
				LockSupport.parkNanos(200_000);
				size = queue.size();
				if (first < 0 && size < recovered) {
					first = System.nanoTime();
				}
				if (last < 0 && size == 0) {
					last = System.nanoTime();
				}
			}
			long empty = System.nanoTime();
			if (size > 0 || journal.stats().entries() > 0) {
				System.out.println("  ! journal drain did not finish in " + this.options.drainTimeoutSeconds + " s");
			}
			long replayed = template.recoveryStats().replayed().values().stream().mapToLong(Long::longValue).sum();
			double drainPerSecond = (first > 0 && last > first) ? recovered * 1e9 / (last - first) : Double.NaN;
			return new Cell(sync, round, writes, queuedPerSecond, notQueued.get(), heapPerWrite, journalHeapPerWrite,
					diskBytesPerWrite, (started - restarted) / 1e6, recovered, drainPerSecond, (empty - started) / 1e6,
					replayed, dropped + template.recoveryStats().totalDropped(), this.redis.admin().dbsize(), growth);
		}
	}

	private static long size(Path file) throws IOException {
		return Files.exists(file) ? Files.size(file) : 0;
	}

	private static void delete(Path directory) {
		if (!Files.exists(directory)) {
			return;
		}
		try (Stream<Path> files = Files.walk(directory)) {
			files.sorted(Comparator.reverseOrder()).forEach((file) -> {
				try {
					Files.delete(file);
				}
				catch (IOException ex) {
					throw new UncheckedIOException(ex);
				}
			});
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	List<Cell> measured(JournalSync sync) {
		return this.cells.stream().filter((cell) -> cell.sync() == sync && cell.round() > 0).toList();
	}

	double median(JournalSync sync, ToDoubleFunction<Cell> figure) {
		return Stats.median(measured(sync).stream().map(figure::applyAsDouble).toList());
	}

	private String spread(JournalSync sync, ToDoubleFunction<Cell> figure) {
		List<Double> values = measured(sync).stream().map(figure::applyAsDouble).toList();
		return Stats.f("%s (%s–%s)", Stats.num(Stats.median(values)), Stats.num(Stats.min(values)),
				Stats.num(Stats.max(values)));
	}

	void report(StringBuilder out) {
		out.append("### Recovery journal in the write path\n\n");
		out.append(Stats.f("%,d `write(RedisWrite.set(key, value), Priority.NORMAL)` calls (distinct keys, distinct "
				+ "100-byte values), at most %,d unanswered, from one thread, while the server is killed and the "
				+ "circuit open: each is answered QUEUED once the journal committed it. Then the context is closed "
				+ "(the queued writes are HANDED_OVER), the server restarted and a new context started on the same "
				+ "journal; it takes the writes back and drains them. %d measured rounds after one warm-up round, "
				+ "the sync policies interleaved in an order rotated per round; medians (min–max). Settings: %s; "
				+ "everything else default (poll interval 1 s, batch size 500, max-batch 4096). The drain rate "
				+ "is taken until the queue is empty; the last writes sent may still be in flight then.\n\n",
				this.options.journalQueueWrites, IN_FLIGHT, this.options.journalRounds,
				this.properties.entrySet()
					.stream()
					.filter((e) -> e.getKey().startsWith("agent-memory") && !e.getKey().endsWith(".path")
							&& !e.getKey().endsWith(".sync"))
					.map((e) -> "`" + e.getKey() + "=" + e.getValue() + "`")
					.toList()));
		out.append("| measure | `PROCESS_CRASH` | `POWER_LOSS` |\n|---|---:|---:|\n");
		row(out, "**QUEUED writes/s into the journal** (first call → last answer)", Cell::queuedPerSecond);
		row(out, "**heap per queued write: the whole queue** (in-memory queue + journal; the write's own key+value "
				+ "Strings ≈ 200 B included)", Cell::heapPerWrite);
		row(out, "**heap per queued write: the journal's own** (live growth of `recovery.journal.*` and `org.sqlite.*` "
				+ "classes)", Cell::journalHeapPerWrite);
		row(out, "journal on disk per queued write (journal.db + WAL, bytes)", Cell::diskBytesPerWrite);
		row(out, "restarted context's start, including `recover()` (ms)", Cell::startMillis);
		row(out, "**drain rate from the journal** (writes / time from first to last applied)", Cell::drainPerSecond);
		row(out, "context started → queue and journal empty (ms; the first round waits up to one poll interval)",
				Cell::restartToEmptyMillis);
		out.append("\n| cell | not QUEUED | recovered | replayed | dropped | keys in Redis |\n|---|---:|---:|---:|---:|---:|\n");
		for (Cell cell : this.cells) {
			out.append(Stats.f("| round %d%s, %s | %,d | %,d | %,d | %,d | %,d |\n", cell.round(),
					(cell.round() == 0) ? " (warm-up)" : "", cell.sync(), cell.notQueued(), cell.recovered(),
					cell.replayed(), cell.dropped(), cell.keys()));
		}
		out.append('\n');
		List<Cell> measured = measured(JournalSync.PROCESS_CRASH);
		if (!measured.isEmpty()) {
			Cell last = measured.get(measured.size() - 1);
			out.append(Stats.f("What one queued write holds with the journal on (live heap growth by class, "
					+ "`GC.class_histogram`, per write; round %d, `PROCESS_CRASH`):\n\n", last.round()));
			out.append("| class | instances per write | bytes per write |\n|---|---:|---:|\n");
			for (HeapHistogram.Row row : last.growth()) {
				out.append(Stats.f("| `%s` | %.2f | %.1f |\n", row.className(), (double) row.instances() / last.writes(),
						(double) row.bytes() / last.writes()));
			}
			out.append('\n');
		}
	}

	private void row(StringBuilder out, String measure, ToDoubleFunction<Cell> figure) {
		out.append(Stats.f("| %s | %s | %s |\n", measure, spread(JournalSync.PROCESS_CRASH, figure),
				spread(JournalSync.POWER_LOSS, figure)));
	}

}
