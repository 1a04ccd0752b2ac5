package io.github.agentmemory.redis;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.github.agentmemory.redis.recovery.RecoveryStats;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnErrorEvent;
import io.github.resilience4j.circuitbreaker.event.CircuitBreakerOnStateTransitionEvent;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.core.log.LogMessage;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.util.Assert;

/**
 * Logs a Redis outage as the circuit breaker sees it: one {@code WARN} when the circuit
 * opens (the error that opened it, Redis's address, the recovery queue's size), and one
 * {@code INFO} when it closes again (how long it was open, and how many writes were
 * queued, replayed and dropped meanwhile, from the template's
 * {@link AsyncResilientRedisTemplate#recoveryStats() recovery stats}). The probes that
 * fail in between, and reopen the circuit, are logged at {@code DEBUG}.
 *
 * <p>
 * On Redis Cluster, with one breaker per master, each breaker's outage is logged on its
 * own; the breaker's name carries the master's address.
 *
 * <p>
 * Register it on the circuit breaker's event publisher:
 *
 * <pre class="code">
 * breaker.getEventPublisher().onError(logger::onError).onStateTransition(logger::onStateTransition);
 * </pre>
 *
 * @author agent-memory-redis
 */
public class CircuitBreakerLogger {

	private static final Log logger = LogFactory.getLog(CircuitBreakerLogger.class);

	private final Supplier<RecoveryStats> recoveryStats;

	private final String address;

	/** The latest failure of each breaker (one per master on Redis Cluster). */
	private final Map<String, Throwable> lastErrors = new ConcurrentHashMap<>();

	/** The outage under way of each breaker; guarded by {@code this}. */
	private final Map<String, Outage> outages = new HashMap<>();

	/**
	 * Create a logger for the given template's circuit breaker.
	 * @param template the template whose recovery stats are reported
	 * @param connectionFactory the factory whose Redis address is logged
	 */
	public CircuitBreakerLogger(AsyncResilientRedisTemplate template, LettuceConnectionFactory connectionFactory) {
		Assert.notNull(template, "'template' must not be null");
		Assert.notNull(connectionFactory, "'connectionFactory' must not be null");
		this.recoveryStats = template::recoveryStats;
		this.address = RedisAddress.of(connectionFactory);
	}

	/**
	 * Remember a failure recorded by the circuit breaker, to name it when the circuit
	 * opens.
	 * @param event the failure
	 */
	public void onError(CircuitBreakerOnErrorEvent event) {
		this.lastErrors.put(event.getCircuitBreakerName(), event.getThrowable());
	}

	/**
	 * Log a change of the circuit's state.
	 * @param event the change
	 */
	public synchronized void onStateTransition(CircuitBreakerOnStateTransitionEvent event) {
		CircuitBreaker.State to = event.getStateTransition().getToState();
		switch (to) {
			case OPEN -> opened(event);
			case CLOSED -> closed(event);
			case HALF_OPEN -> logger.debug(LogMessage.format("Circuit breaker '%s' is half-open: probe calls test "
					+ "whether Redis at %s is back", event.getCircuitBreakerName(), this.address));
			default -> logger.info(LogMessage.format("Circuit breaker '%s' of Redis at %s is now %s",
					event.getCircuitBreakerName(), this.address, to));
		}
	}

	private void opened(CircuitBreakerOnStateTransitionEvent event) {
		Throwable error = this.lastErrors.get(event.getCircuitBreakerName());
		String cause = (error != null) ? error.getClass().getSimpleName() + ": " + error.getMessage() : "unknown";
		if (this.outages.containsKey(event.getCircuitBreakerName())) {
			logger.debug(LogMessage.format("Redis at %s is still unavailable (%s); circuit breaker '%s' is open again",
					this.address, cause, event.getCircuitBreakerName()));
			return;
		}
		RecoveryStats stats = this.recoveryStats.get();
		this.outages.put(event.getCircuitBreakerName(), new Outage(System.nanoTime(), stats));
		logger.warn(LogMessage.format(
				"Redis at %s is unavailable: circuit breaker '%s' opened after %s; calls fail fast and writes with a "
						+ "priority are queued (recovery queue: %d writes)",
				this.address, event.getCircuitBreakerName(), cause, stats.totalSize()));
	}

	private void closed(CircuitBreakerOnStateTransitionEvent event) {
		Outage ended = this.outages.remove(event.getCircuitBreakerName());
		if (ended == null) {
			return;
		}
		RecoveryStats now = this.recoveryStats.get();
		long openMillis = (System.nanoTime() - ended.startNanos()) / 1_000_000;
		logger.info(LogMessage.format(
				"Redis at %s is available again: circuit breaker '%s' closed after %s open; meanwhile %d writes were "
						+ "queued, %d replayed and %d dropped (recovery queue: %d writes)",
				this.address, event.getCircuitBreakerName(), seconds(openMillis),
				sum(now.enqueued().values()) - sum(ended.stats().enqueued().values()),
				sum(now.replayed().values()) - sum(ended.stats().replayed().values()),
				now.totalDropped() - ended.stats().totalDropped(), now.totalSize()));
	}

	private static String seconds(long millis) {
		return String.format("%.1f s", millis / 1000.0);
	}

	private static long sum(Iterable<Long> counts) {
		long total = 0;
		for (Long count : counts) {
			total += count;
		}
		return total;
	}

	/**
	 * An outage under way: since when, and the recovery stats when it began.
	 */
	private record Outage(long startNanos, RecoveryStats stats) {

	}

}
