package io.github.agentmemory.redis.recovery;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Delayed;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

import io.github.agentmemory.redis.command.RedisWrite;
import io.github.agentmemory.redis.resilience.RedisCircuitOpenException;
import io.github.agentmemory.redis.resilience.RedisFaultClassifier;
import io.github.agentmemory.redis.resilience.RetryPolicy;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;

/**
 * A {@link WriteSequencer} without Redis, for the write path's tests: a fake
 * {@link WriteSender} whose replies the test completes itself, a clock and a scheduler the
 * test moves by hand, a real Resilience4j breaker (count based, that the test opens and
 * closes) and the real {@link RedisFaultClassifier}.
 */
final class WritePathFixture {

	/** Maximum own attempts of a queued write. */
	static final int MAX_QUEUED_ATTEMPTS = 2;

	/** Retries of CRITICAL writes and of writes without a priority: 3 attempts, 10, 20 ms. */
	static final RetryPolicy RETRY = RetryPolicy.builder()
		.maxAttempts(3)
		.initialInterval(Duration.ofMillis(10))
		.maxInterval(Duration.ofMillis(40))
		.jitter(0)
		.build();

	final ManualClock clock = new ManualClock();

	final ManualScheduler scheduler = new ManualScheduler(this.clock);

	final FakeSender sender = new FakeSender();

	private static final CircuitBreakerConfig BREAKER = CircuitBreakerConfig.custom()
		.slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
		.slidingWindowSize(3)
		.minimumNumberOfCalls(3)
		.waitDurationInOpenState(Duration.ofSeconds(1))
		.build();

	final CircuitBreaker circuitBreaker = CircuitBreaker.of("test", BREAKER);

	final RecoveryCounters counters = new RecoveryCounters();

	final RecoveryQueue queue;

	final WriteSequencer sequencer;

	WritePathFixture(int capacity) {
		this(capacity, MAX_QUEUED_ATTEMPTS);
	}

	WritePathFixture(int capacity, int maxQueuedAttempts) {
		this(capacity, maxQueuedAttempts, null);
	}

	/** With a recovery journal (for example a {@link HeldJournal}), or none. */
	WritePathFixture(int capacity, int maxQueuedAttempts, io.github.agentmemory.redis.recovery.journal.RecoveryJournal journal) {
		this.queue = new RecoveryQueue(capacity, this.counters);
		this.sequencer = new WriteSequencer(this.sender, this.circuitBreaker, this.scheduler, new RedisFaultClassifier(),
				RETRY, this.queue, this.counters, true, maxQueuedAttempts, this.clock, journal);
	}

	// ---- the errors a sender can report --------------------------------------------------------

	/** Redis is out of memory: RESOURCE_EXHAUSTED, the write reached Redis. */
	static RedisCommandExecutionException outOfMemory() {
		return new RedisCommandExecutionException("OOM command not allowed when used memory > 'maxmemory'.");
	}

	/** Lettuce refused the command while disconnected: TRANSIENT, never sent. */
	static RedisException notConnected() {
		return new RedisException("Currently not connected. Commands are rejected.");
	}

	/** No reply in time: TRANSIENT, but the write may have reached Redis. */
	static RedisCommandTimeoutException timeout() {
		return new RedisCommandTimeoutException("Command timed out after 1 second(s)");
	}

	/** Redis refused the command for good: PERMANENT. */
	static RedisCommandExecutionException wrongType() {
		return new RedisCommandExecutionException("WRONGTYPE Operation against a key holding the wrong kind of value");
	}

	/** The open circuit rejected the write: never sent, not an attempt. */
	static RedisCircuitOpenException rejected(RedisWrite write) {
		return new RedisCircuitOpenException(write.command(), "test", CircuitBreaker.State.OPEN);
	}

	/**
	 * A monotonic clock that only moves when told.
	 */
	static final class ManualClock implements LongSupplier {

		private final AtomicLong nanos = new AtomicLong(TimeUnit.HOURS.toNanos(1));

		@Override
		public long getAsLong() {
			return this.nanos.get();
		}

		void advance(Duration duration) {
			this.nanos.addAndGet(duration.toNanos());
		}

	}

	/**
	 * One write handed to the sender, with the reply the test completes.
	 *
	 * @param number the sends before it
	 * @param write what was sent
	 * @param reply the reply to complete
	 */
	record Send(long number, RedisWrite write, CompletableFuture<Object> reply) {

		void succeed() {
			this.reply.complete("OK");
		}

		void fail(Throwable error) {
			this.reply.completeExceptionally(error);
		}

		@Override
		public String toString() {
			return "#" + this.number + " " + RedisWriteArbitraries.describe(this.write);
		}

	}

	/**
	 * Records every send; nothing is answered until the test completes the reply.
	 */
	static final class FakeSender implements WriteSender {

		private final ConcurrentLinkedDeque<Send> inFlight = new ConcurrentLinkedDeque<>();

		private final AtomicLong sent = new AtomicLong();

		private volatile Consumer<Send> onSend = (send) -> {
		};

		@Override
		public CompletableFuture<Object> send(RedisWrite write) {
			Send send = new Send(this.sent.getAndIncrement(), write, new CompletableFuture<>());
			this.onSend.accept(send);
			this.inFlight.addLast(send);
			return send.reply();
		}

		/** Be told of every send as it is made, before it is in flight. */
		void onSend(Consumer<Send> onSend) {
			this.onSend = onSend;
		}

		/** Sends so far, answered or not. */
		long sent() {
			return this.sent.get();
		}

		/** Take the oldest unanswered send; {@code null} if there is none. */
		Send poll() {
			return this.inFlight.pollFirst();
		}

		/** Take the oldest unanswered send, which must exist. */
		Send next() {
			Send send = poll();
			if (send == null) {
				throw new AssertionError("Nothing was sent");
			}
			return send;
		}

		/** Take the oldest unanswered send that matches. */
		Send take(Predicate<Send> which) {
			for (Send send : this.inFlight) {
				if (which.test(send) && this.inFlight.remove(send)) {
					return send;
				}
			}
			throw new AssertionError("No such send in flight: " + this.inFlight);
		}

		/** Take the unanswered send at a position, oldest first. */
		Send take(int index) {
			Send send = new ArrayList<>(this.inFlight).get(index);
			this.inFlight.remove(send);
			return send;
		}

		/** The unanswered sends, oldest first. */
		List<Send> inFlight() {
			return new ArrayList<>(this.inFlight);
		}

	}

	/**
	 * A scheduler that runs a task only when the test moves its clock past the task's
	 * time; tasks run on the caller's thread.
	 */
	static final class ManualScheduler extends AbstractExecutorService implements ScheduledExecutorService {

		private final ManualClock clock;

		private final List<Task> tasks = new ArrayList<>();

		private long scheduled;

		private boolean shutdown;

		ManualScheduler(ManualClock clock) {
			this.clock = clock;
		}

		/**
		 * Move the clock and run every task due by then, in time order (tasks they schedule
		 * that are due run too).
		 * @param duration how far to move
		 */
		void advance(Duration duration) {
			this.clock.advance(duration);
			runDue();
		}

		/** Run the tasks that are due now. */
		void runDue() {
			while (true) {
				Task due;
				synchronized (this) {
					due = this.tasks.stream()
						.filter((task) -> task.dueNanos - this.clock.getAsLong() <= 0)
						.min(Comparator.comparingLong((Task task) -> task.dueNanos).thenComparingLong((task) -> task.order))
						.orElse(null);
					if (due == null) {
						return;
					}
					this.tasks.remove(due);
				}
				due.run();
			}
		}

		/** Tasks not run yet. */
		synchronized int pending() {
			return this.tasks.size();
		}

		/** Run every task, due or not, until none is left. */
		void runAll() {
			while (true) {
				Task first;
				synchronized (this) {
					first = this.tasks.stream().min(Comparator.comparingLong((Task task) -> task.dueNanos)).orElse(null);
				}
				if (first == null) {
					return;
				}
				long wait = first.dueNanos - this.clock.getAsLong();
				advance(Duration.ofNanos(Math.max(wait, 0)));
			}
		}

		@Override
		public synchronized ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
			if (this.shutdown) {
				throw new RejectedExecutionException("shut down");
			}
			Task task = new Task(command, this.clock.getAsLong() + unit.toNanos(Math.max(delay, 0)), this.scheduled++);
			this.tasks.add(task);
			return task;
		}

		@Override
		public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
			throw new UnsupportedOperationException();
		}

		@Override
		public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
			throw new UnsupportedOperationException();
		}

		@Override
		public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay,
				TimeUnit unit) {
			throw new UnsupportedOperationException();
		}

		@Override
		public void execute(Runnable command) {
			schedule(command, 0, TimeUnit.NANOSECONDS);
		}

		@Override
		public synchronized void shutdown() {
			this.shutdown = true;
		}

		@Override
		public synchronized List<Runnable> shutdownNow() {
			this.shutdown = true;
			List<Runnable> left = new ArrayList<>();
			this.tasks.forEach((task) -> left.add(task.command));
			this.tasks.clear();
			return left;
		}

		@Override
		public synchronized boolean isShutdown() {
			return this.shutdown;
		}

		@Override
		public synchronized boolean isTerminated() {
			return this.shutdown && this.tasks.isEmpty();
		}

		@Override
		public boolean awaitTermination(long timeout, TimeUnit unit) {
			return isTerminated();
		}

		private final class Task implements ScheduledFuture<Object> {

			private final Runnable command;

			private final long dueNanos;

			private final long order;

			private volatile boolean cancelled;

			private volatile boolean done;

			Task(Runnable command, long dueNanos, long order) {
				this.command = command;
				this.dueNanos = dueNanos;
				this.order = order;
			}

			void run() {
				if (!this.cancelled) {
					this.done = true;
					this.command.run();
				}
			}

			@Override
			public long getDelay(TimeUnit unit) {
				return unit.convert(this.dueNanos - ManualScheduler.this.clock.getAsLong(), TimeUnit.NANOSECONDS);
			}

			@Override
			public int compareTo(Delayed other) {
				return Long.compare(getDelay(TimeUnit.NANOSECONDS), other.getDelay(TimeUnit.NANOSECONDS));
			}

			@Override
			public boolean cancel(boolean mayInterruptIfRunning) {
				synchronized (ManualScheduler.this) {
					this.cancelled = true;
					return ManualScheduler.this.tasks.remove(this);
				}
			}

			@Override
			public boolean isCancelled() {
				return this.cancelled;
			}

			@Override
			public boolean isDone() {
				return this.done || this.cancelled;
			}

			@Override
			public Object get() {
				return null;
			}

			@Override
			public Object get(long timeout, TimeUnit unit) {
				return null;
			}

		}

	}

}
