package io.github.agentmemory.redis.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;

import org.HdrHistogram.AtomicHistogram;
import org.HdrHistogram.Histogram;

/**
 * Runs one cell: one client, one operation, a fixed number of requests in flight, closed
 * loop. Each of the {@code concurrency} slots sends its next request from the completion
 * of its previous one, so exactly that many are in flight. A cell ends by itself at its
 * deadline or after {@code maxOps} requests, whichever comes first.
 */
final class LoadRunner {

	static final long MAX_LATENCY_NANOS = TimeUnit.SECONDS.toNanos(10);

	private static final com.sun.management.OperatingSystemMXBean OS = (com.sun.management.OperatingSystemMXBean) ManagementFactory
		.getOperatingSystemMXBean();

	private final AtomicHistogram histogram = new AtomicHistogram(MAX_LATENCY_NANOS, 3);

	private final RedisProcess redis;

	LoadRunner(RedisProcess redis) {
		this.redis = redis;
	}

	static long processCpuNanos() {
		return OS.getProcessCpuTime();
	}

	record CellResult(long ops, long errors, long elapsedNanos, long cpuNanos, long serverCpuNanos, Histogram latency,
			String firstError) {

		double opsPerSecond() {
			return this.ops * 1e9 / this.elapsedNanos;
		}

		double cpuMicrosPerOp() {
			return this.cpuNanos / 1e3 / Math.max(1, this.ops);
		}

		double serverCpuMicrosPerOp() {
			return (this.serverCpuNanos < 0) ? Double.NaN : this.serverCpuNanos / 1e3 / Math.max(1, this.ops);
		}

	}

	CellResult run(BenchClient client, Workload.Op op, int concurrency, long durationNanos, long maxOps)
			throws InterruptedException {
		this.histogram.reset();
		Run run = new Run(client, op, concurrency, maxOps);
		long cpu0 = processCpuNanos();
		long server0 = this.redis.cpuNanos();
		long start = System.nanoTime();
		run.deadline = start + durationNanos;
		run.lastDone.set(start);
		if (client.async()) {
			Slot[] slots = new Slot[concurrency];
			for (int i = 0; i < concurrency; i++) {
				slots[i] = new Slot(run, i);
			}
			for (Slot slot : slots) {
				slot.next(System.nanoTime());
			}
			if (!run.finished.await(durationNanos + TimeUnit.SECONDS.toNanos(30), TimeUnit.NANOSECONDS)) {
				throw new IllegalStateException(client.name() + " " + op + " C=" + concurrency + " did not finish");
			}
		}
		else {
			runBlocking(run, client, op);
		}
		long end = run.lastDone.get();
		long cpu1 = processCpuNanos();
		long server1 = this.redis.cpuNanos();
		Throwable first = run.firstError.get();
		return new CellResult(this.histogram.getTotalCount(), run.errors.sum(), end - start, cpu1 - cpu0,
				(server0 < 0 || server1 < 0) ? -1 : server1 - server0, this.histogram.copy(),
				(first != null) ? first.toString() : null);
	}

	private void runBlocking(Run run, BenchClient client, Workload.Op op) {
		int seed = 12345;
		long now = System.nanoTime();
		long done = 0;
		while (now - run.deadline < 0 && done < run.maxOps) {
			seed = xorshift(seed);
			int key = (seed & 0x7fffffff) % Workload.KEYS;
			long start = System.nanoTime();
			try {
				client.callBlocking(op, key);
			}
			catch (RuntimeException ex) {
				run.errors.increment();
				run.firstError.compareAndSet(null, ex);
			}
			now = System.nanoTime();
			this.histogram.recordValue(Math.min(now - start, MAX_LATENCY_NANOS));
			done++;
		}
		run.lastDone.set(now);
	}

	static int xorshift(int x) {
		x ^= x << 13;
		x ^= x >>> 17;
		x ^= x << 5;
		return x;
	}

	private final class Run {

		final BenchClient client;

		final Workload.Op op;

		final long maxOps;

		final AtomicLong issued = new AtomicLong();

		final LongAdder errors = new LongAdder();

		final AtomicReference<Throwable> firstError = new AtomicReference<>();

		final AtomicLong lastDone = new AtomicLong();

		final CountDownLatch finished;

		volatile long deadline;

		Run(BenchClient client, Workload.Op op, int concurrency, long maxOps) {
			this.client = client;
			this.op = op;
			this.maxOps = maxOps;
			this.finished = new CountDownLatch(concurrency);
		}

		boolean proceed(long now) {
			return now - this.deadline < 0 && this.issued.incrementAndGet() <= this.maxOps;
		}

		void record(long nanos, Throwable error) {
			LoadRunner.this.histogram.recordValue(Math.min(nanos, MAX_LATENCY_NANOS));
			if (error != null) {
				this.errors.increment();
				this.firstError.compareAndSet(null, error);
			}
		}

		void slotDone() {
			long now = System.nanoTime();
			this.lastDone.accumulateAndGet(now, Math::max);
			this.finished.countDown();
		}

	}

	/**
	 * One request in flight. A completion that arrives synchronously, inside the call that
	 * sent it, is not followed by a nested call (no recursion): the sending loop goes on.
	 */
	private static final class Slot implements BiConsumer<Object, Throwable> {

		private final Run run;

		private int seed;

		private long start;

		private Thread issuer;

		private volatile boolean inIssue;

		private boolean again;

		Slot(Run run, int index) {
			this.run = run;
			this.seed = 0x9E3779B9 * (index + 1);
		}

		@Override
		public void accept(Object value, Throwable error) {
			long now = System.nanoTime();
			this.run.record(now - this.start, error);
			if (this.inIssue && this.issuer == Thread.currentThread()) {
				this.again = true;
				return;
			}
			next(now);
		}

		void next(long now) {
			for (;;) {
				if (!this.run.proceed(now)) {
					this.run.slotDone();
					return;
				}
				this.seed = xorshift(this.seed);
				int key = (this.seed & 0x7fffffff) % Workload.KEYS;
				this.issuer = Thread.currentThread();
				this.again = false;
				this.inIssue = true;
				this.start = System.nanoTime();
				try {
					this.run.client.call(this.run.op, key, this);
				}
				catch (RuntimeException ex) {
					accept(null, ex);
				}
				this.inIssue = false;
				if (!this.again) {
					return;
				}
				now = System.nanoTime();
			}
		}

	}

}
