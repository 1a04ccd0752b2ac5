package io.github.agentmemory.redis.resilience;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.retry.Retry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.core.log.LogMessage;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.lang.Nullable;
import org.springframework.util.Assert;

/**
 * Runs asynchronous Redis calls behind a circuit breaker (one, or on Redis Cluster the
 * one of the call's master, see {@link CircuitBreakerRouting}), with non-blocking
 * retries.
 *
 * <p>
 * Each attempt first asks the circuit breaker for permission: when the circuit is open
 * the call fails at once with {@link RedisCircuitOpenException} and is never retried.
 * When an attempt fails, the error is classified ({@link RedisFaultClassifier}): only
 * {@link RedisFault#TRANSIENT} errors count as breaker failures, and only those are
 * retried, after a backoff that is scheduled, not slept. Every error reaches the caller as
 * a {@link DataAccessException} ({@link RedisExceptionTranslator}).
 *
 * <p>
 * Threads: a call's future completes on the thread that completed the attempt, usually
 * Lettuce's I/O event loop (or the caller's thread when the call is rejected at once).
 * Dependent stages added without an executor run there too and must not block.
 *
 * <p>
 * Every call's outcome is delivered once (<b>I1</b>): its future completes, or its
 * callback runs, once. A call waiting for its retry is tried
 * at once when the circuit opens (and so fails fast with
 * {@link RedisCircuitOpenException} instead of waiting out its backoff), and fails when
 * the executor is {@linkplain #close() closed}.
 *
 * @author agent-memory-redis
 */
public class ResilientCommandExecutor implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(ResilientCommandExecutor.class);

	private final CircuitBreaker circuitBreaker;

	private final Retry retry;

	private final ScheduledExecutorService scheduler;

	private final RedisFaultClassifier classifier;

	private final RedisExceptionTranslator translator;

	/** Calls waiting for their next attempt. */
	private final Set<Attempts<?>> waiting = ConcurrentHashMap.newKeySet();

	/** The breakers whose opening is listened to ({@link #watch}). */
	private final Set<CircuitBreaker> watched = ConcurrentHashMap.newKeySet();

	/** Routes every call of {@link #execute(String, boolean, Supplier)} to the breaker. */
	private final Supplier<CircuitBreaker> route;

	private volatile boolean closed;

	/**
	 * Create a new executor.
	 * @param circuitBreaker the circuit breaker that guards every call
	 * @param retry the default retry of idempotent calls
	 * @param scheduler where retries are scheduled
	 * @param classifier decides the kind of each error
	 * @param translator maps errors into Spring's hierarchy
	 */
	public ResilientCommandExecutor(CircuitBreaker circuitBreaker, Retry retry, ScheduledExecutorService scheduler,
			RedisFaultClassifier classifier, RedisExceptionTranslator translator) {
		Assert.notNull(circuitBreaker, "'circuitBreaker' must not be null");
		Assert.notNull(retry, "'retry' must not be null");
		Assert.notNull(scheduler, "'scheduler' must not be null");
		Assert.notNull(classifier, "'classifier' must not be null");
		Assert.notNull(translator, "'translator' must not be null");
		this.circuitBreaker = circuitBreaker;
		this.retry = retry;
		this.scheduler = scheduler;
		this.classifier = classifier;
		this.translator = translator;
		this.route = () -> circuitBreaker;
		watch(circuitBreaker);
	}

	/**
	 * Listen to a breaker that {@link #execute(Supplier, String, boolean, Supplier)} calls
	 * go through: when it opens, the calls waiting for a retry behind it are tried at once
	 * (and so fail fast). Watching a breaker twice has no effect.
	 * @param circuitBreaker the breaker
	 */
	public void watch(CircuitBreaker circuitBreaker) {
		Assert.notNull(circuitBreaker, "'circuitBreaker' must not be null");
		if (!this.watched.add(circuitBreaker)) {
			return;
		}
		circuitBreaker.getEventPublisher().onStateTransition((event) -> {
			if (event.getStateTransition().getToState() == CircuitBreaker.State.OPEN) {
				this.waiting.forEach((attempts) -> attempts.retryNowIfBehind(circuitBreaker));
			}
		});
	}

	/**
	 * Fail every call waiting for a retry, and every retry from now on: the application
	 * shuts down.
	 */
	@Override
	public void close() {
		this.closed = true;
		this.waiting.forEach(Attempts::giveUp);
	}

	/**
	 * Run a call through the circuit breaker, retrying it with the default policy when it
	 * is idempotent.
	 * @param <T> the result type
	 * @param command the command name, for messages and logs
	 * @param idempotent whether the call may safely run more than once
	 * @param call starts one attempt
	 * @return the result, or a {@link DataAccessException}
	 */
	public <T> CompletableFuture<T> execute(String command, boolean idempotent,
			Supplier<? extends CompletionStage<T>> call) {
		return run(this.route, command, idempotent ? this.retry : null, call);
	}

	/**
	 * Run a call through the circuit breaker of its route (on Redis Cluster, the breaker
	 * of its key's master, see {@link CircuitBreakerRouting}), retrying it with the
	 * default policy when it is idempotent. The route is asked again before every
	 * attempt: a retry after a failover goes through the breaker of the key's new master.
	 * Breakers a route gives must be {@linkplain #watch watched}.
	 * @param <T> the result type
	 * @param route the breaker of the call's next attempt
	 * @param command the command name, for messages and logs
	 * @param idempotent whether the call may safely run more than once
	 * @param call starts one attempt
	 * @return the result, or a {@link DataAccessException}
	 */
	public <T> CompletableFuture<T> execute(Supplier<CircuitBreaker> route, String command, boolean idempotent,
			Supplier<? extends CompletionStage<T>> call) {
		Assert.notNull(route, "'route' must not be null");
		return run(route, command, idempotent ? this.retry : null, call);
	}

	/**
	 * Run a call through the circuit breaker of its route, retrying it when it is
	 * idempotent, as {@link #execute(Supplier, String, boolean, Supplier)} does, but hand
	 * its outcome to a callback instead of a future: for callers that act on the outcome
	 * at once (the write path), which saves a future and its dependent stage per call. The
	 * callback runs once (<b>I1</b>), with the result or the {@link DataAccessException},
	 * on the thread that completed the attempt; on the calling thread, before this method
	 * returns, when the call is rejected at once or its attempt completed before it was
	 * looked at. It must not block and should not throw (what it throws is lost when it
	 * runs on Lettuce's event loop).
	 * @param <T> the result type
	 * @param route the breaker of the call's next attempt; {@code null} for the breaker
	 * of this executor
	 * @param command the command name, for messages and logs
	 * @param idempotent whether the call may safely run more than once
	 * @param call starts one attempt
	 * @param callback receives the result, or the error
	 */
	public <T> void execute(@Nullable Supplier<CircuitBreaker> route, String command, boolean idempotent,
			Supplier<? extends CompletionStage<T>> call, BiConsumer<? super T, ? super Throwable> callback) {
		Assert.notNull(callback, "'callback' must not be null");
		Retry retry = idempotent ? this.retry : null;
		Attempts<T> attempts = new Attempts<>((route != null) ? route : this.route, command, call,
				(retry != null) ? retry.asyncContext() : null, null, callback);
		attempts.next();
	}

	/**
	 * Run a call without the circuit breaker and without retries, only translating its
	 * errors. Meant for probes (latency) that must neither trip nor wait for the breaker.
	 * @param <T> the result type
	 * @param command the command name, for messages
	 * @param call starts the call
	 * @return the result, or a {@link DataAccessException}
	 */
	public <T> CompletableFuture<T> executeUnguarded(String command, Supplier<? extends CompletionStage<T>> call) {
		CompletableFuture<T> result = new CompletableFuture<>();
		start(call).whenComplete((value, error) -> {
			if (error == null) {
				result.complete(value);
			}
			else {
				result.completeExceptionally(translate(command, error));
			}
		});
		return result;
	}

	/**
	 * Count a failure of the connection itself (Lettuce could not reconnect) against the
	 * circuit breaker, as a failed call, while calls are waiting for a retry:
	 * {@link RedisFault#TRANSIENT} errors only, and only while the circuit is closed or
	 * half-open (an open circuit already knows). A call that failed on a dead connection
	 * would otherwise ride out its backoffs before its own third failure opens the
	 * circuit; Lettuce's refused reconnect attempts are the same evidence, gathered on its
	 * behalf, so the circuit opens and the waiting call fails at once. An idle application
	 * (no call waiting) counts nothing: a Redis restart it never noticed does not hold its
	 * circuit open for the open-state wait, and its health returns to {@code UP} as soon
	 * as the background probe reaches Redis again.
	 * @param error why the connection failed
	 */
	public void recordConnectionFailure(Throwable error) {
		if (this.waiting.isEmpty()) {
			return;
		}
		CircuitBreaker.State state = this.circuitBreaker.getState();
		if (state != CircuitBreaker.State.CLOSED && state != CircuitBreaker.State.HALF_OPEN) {
			return;
		}
		RedisFault fault = this.classifier.classify(error);
		if (fault == RedisFault.TRANSIENT) {
			this.circuitBreaker.onError(0, TimeUnit.NANOSECONDS,
					this.translator.translate("Reconnect", error, fault));
		}
	}

	/**
	 * Classify an error.
	 * @param error the error
	 * @return its kind
	 */
	public RedisFault classify(Throwable error) {
		return this.classifier.classify(error);
	}

	/**
	 * Translate an error into Spring's hierarchy.
	 * @param command the command, for the message
	 * @param error the error
	 * @return the translated exception
	 */
	public DataAccessException translate(String command, Throwable error) {
		return this.translator.translate(command, error, this.classifier.classify(error));
	}

	/**
	 * The circuit breaker that guards every call.
	 * @return the circuit breaker
	 */
	public CircuitBreaker getCircuitBreaker() {
		return this.circuitBreaker;
	}

	/**
	 * The default retry of idempotent calls.
	 * @return the retry
	 */
	public Retry getRetry() {
		return this.retry;
	}

	/**
	 * The scheduler of retries.
	 * @return the scheduler
	 */
	public ScheduledExecutorService getScheduler() {
		return this.scheduler;
	}

	private <T> CompletableFuture<T> run(Supplier<CircuitBreaker> route, String command, @Nullable Retry retry,
			Supplier<? extends CompletionStage<T>> call) {
		CompletableFuture<T> result = new CompletableFuture<>();
		Attempts<T> attempts = new Attempts<>(route, command, call, (retry != null) ? retry.asyncContext() : null,
				result, null);
		attempts.next();
		return result;
	}

	private static boolean isOpen(CircuitBreaker.State state) {
		return state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.FORCED_OPEN;
	}

	private static <T> CompletionStage<T> start(Supplier<? extends CompletionStage<T>> call) {
		try {
			CompletionStage<T> stage = call.get();
			return (stage != null) ? stage
					: CompletableFuture.failedFuture(new IllegalStateException("The call returned no future"));
		}
		catch (RuntimeException ex) {
			return CompletableFuture.failedFuture(ex);
		}
	}

	/**
	 * The attempts of one call; completes its {@link #result} future, or calls its
	 * {@link #callback}, once.
	 */
	private final class Attempts<T> implements BiConsumer<T, Throwable> {

		private final Supplier<CircuitBreaker> route;

		/** The breaker of the latest attempt; read after the call joined {@link #waiting}. */
		private CircuitBreaker breaker;

		private final String command;

		private final Supplier<? extends CompletionStage<T>> call;

		@Nullable
		private final Retry.AsyncContext<T> retryContext;

		/** Completed with the outcome; {@code null} when the outcome goes to {@link #callback}. */
		@Nullable
		private final CompletableFuture<T> result;

		/** Called with the outcome; {@code null} when it goes to {@link #result}. */
		@Nullable
		private final BiConsumer<? super T, ? super Throwable> callback;

		private int attempt;

		/** When the latest attempt started. */
		private long startNanos;

		@Nullable
		private DataAccessException lastError;

		@Nullable
		private volatile ScheduledFuture<?> retry;

		Attempts(Supplier<CircuitBreaker> route, String command, Supplier<? extends CompletionStage<T>> call,
				@Nullable Retry.AsyncContext<T> retry, @Nullable CompletableFuture<T> result,
				@Nullable BiConsumer<? super T, ? super Throwable> callback) {
			this.route = route;
			this.command = command;
			this.call = call;
			this.retryContext = retry;
			this.result = result;
			this.callback = callback;
		}

		private void succeed(@Nullable T value) {
			if (this.result != null) {
				this.result.complete(value);
			}
			else {
				this.callback.accept(value, null);
			}
		}

		private void fail(Throwable error) {
			if (this.result != null) {
				this.result.completeExceptionally(error);
			}
			else {
				this.callback.accept(null, error);
			}
		}

		void next() {
			CircuitBreaker breaker = this.route.get();
			this.breaker = breaker;
			if (!breaker.tryAcquirePermission()) {
				RedisCircuitOpenException rejected = new RedisCircuitOpenException(this.command, breaker.getName(),
						breaker.getState());
				if (this.lastError != null) {
					rejected.addSuppressed(this.lastError);
				}
				fail(rejected);
				return;
			}
			this.attempt++;
			this.startNanos = System.nanoTime();
			start(this.call).whenComplete(this);
		}

		/** The latest attempt completed. */
		@Override
		public void accept(T value, Throwable error) {
			CircuitBreaker breaker = this.breaker;
			long duration = System.nanoTime() - this.startNanos;
			if (error == null) {
				breaker.onSuccess(duration, TimeUnit.NANOSECONDS);
				if (this.retryContext != null) {
					this.retryContext.onComplete();
				}
				succeed(value);
				return;
			}
			RedisFault fault = ResilientCommandExecutor.this.classifier.classify(error);
			DataAccessException translated = ResilientCommandExecutor.this.translator.translate(this.command, error,
					fault);
			switch (fault) {
				case TRANSIENT -> breaker.onError(duration, TimeUnit.NANOSECONDS, translated);
				case INVALID_USAGE -> breaker.releasePermission();
				default -> breaker.onSuccess(duration, TimeUnit.NANOSECONDS);
			}
			if (fault == RedisFault.TRANSIENT && this.retryContext != null) {
				this.lastError = translated;
				long delay = this.retryContext.onError(translated);
				if (delay >= 0) {
					scheduleRetry(delay, translated);
					return;
				}
			}
			fail(translated);
		}

		private void scheduleRetry(long delay, DataAccessException lastError) {
			if (logger.isDebugEnabled()) {
				logger.debug(LogMessage.format("%s failed (attempt %d), retrying in %d ms: %s", this.command,
						this.attempt, delay, lastError.getMessage()));
			}
			Set<Attempts<?>> waiting = ResilientCommandExecutor.this.waiting;
			waiting.add(this);
			try {
				this.retry = ResilientCommandExecutor.this.scheduler.schedule(() -> {
					if (waiting.remove(this)) {
						next();
					}
				}, delay, TimeUnit.MILLISECONDS);
			}
			catch (RejectedExecutionException ex) {
				if (waiting.remove(this)) {
					lastError.addSuppressed(ex);
					fail(lastError);
				}
			}
			if (ResilientCommandExecutor.this.closed) {
				giveUp();
			}
			else if (isOpen(ResilientCommandExecutor.this.circuitBreaker.getState())) {
				// this very failure opened the circuit (its event ran before the call waited)
				retryNow();
			}
		}

		/** A circuit opened: if it is this call's, try now (the breaker rejects it) instead of waiting. */
		void retryNowIfBehind(CircuitBreaker opened) {
			if (this.breaker == opened) {
				retryNow();
			}
		}

		private void retryNow() {
			if (ResilientCommandExecutor.this.waiting.remove(this)) {
				cancelTimer();
				next();
			}
		}

		void giveUp() {
			if (ResilientCommandExecutor.this.waiting.remove(this)) {
				cancelTimer();
				DataAccessException error = new RedisConnectionFailureException(
						this.command + " was not retried: the Redis template is shut down", this.lastError);
				fail(error);
			}
		}

		private void cancelTimer() {
			ScheduledFuture<?> timer = this.retry;
			if (timer != null) {
				timer.cancel(false);
			}
		}

	}

}
