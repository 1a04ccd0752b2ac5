package io.github.agentmemory.redis.actuate;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.recovery.RecoveryStats;
import io.github.agentmemory.redis.recovery.journal.JournalStats;
import io.github.agentmemory.redis.recovery.journal.RecoveryJournal;
import io.github.agentmemory.redis.resilience.CircuitBreakerRouting;
import io.github.agentmemory.redis.resilience.ClusterCircuitBreakers;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;

import org.springframework.lang.Nullable;
import org.springframework.util.Assert;

/**
 * Health of the resilient Redis template, from in-memory state only (a check never waits
 * on Redis): the circuit breaker's state and metrics, the recovery queue, the journal and
 * the latest result of the background latency probe. It knows no Spring Boot: each Boot
 * line's {@code AgentMemoryRedisHealthIndicator} turns a {@link Report} into that line's
 * {@code Health}, so both lines report the same status and details.
 *
 * <p>
 * The status follows what the circuit breaker and the probe see:
 * <ul>
 * <li>Redis refused the probe's credentials or the user's permissions ({@code WRONGPASS},
 * {@code NOAUTH}, {@code NOPERM}): {@code DOWN}, with the error, since no call can
 * succeed;</li>
 * <li>an open circuit: {@link #CIRCUIT_OPEN}, or {@code DOWN} with
 * {@code downWhenOpen};</li>
 * <li>a closed circuit whose latest probe could not reach Redis (for example before any
 * traffic): the same status as an open circuit;</li>
 * <li>a half-open circuit: {@link #CIRCUIT_HALF_OPEN};</li>
 * <li>on Redis Cluster, some masters' circuits open and others not:
 * {@link #CIRCUIT_PARTLY_OPEN} (also with {@code downWhenOpen});</li>
 * <li>a circuit forced open, disabled or only recording metrics: {@code UNKNOWN}, as
 * Resilience4j's own indicator reports them;</li>
 * <li>a closed circuit before the first probe has completed: {@code UNKNOWN};</li>
 * <li>otherwise {@code UP}.</li>
 * </ul>
 *
 * <p>
 * Thread safety: {@link #check()} only reads state that its sources publish safely; it
 * may be called from any thread, concurrently.
 *
 * @author agent-memory-redis
 */
public final class AgentMemoryRedisHealth {

	/** Code of Boot's {@code UP} status. */
	public static final String UP = "UP";

	/** Code of Boot's {@code DOWN} status. */
	public static final String DOWN = "DOWN";

	/** Code of Boot's {@code UNKNOWN} status. */
	public static final String UNKNOWN = "UNKNOWN";

	/** Code of the status of an open circuit: calls are rejected without reaching Redis. */
	public static final String CIRCUIT_OPEN = "CIRCUIT_OPEN";

	/** Description of {@link #CIRCUIT_OPEN}. */
	public static final String CIRCUIT_OPEN_DESCRIPTION = "Redis is considered unavailable: calls fail fast and writes are queued";

	/**
	 * Code of the status of a Redis Cluster some of whose masters' circuits are open: their
	 * keys' calls fail fast and their writes are queued, the other masters' keys are served.
	 */
	public static final String CIRCUIT_PARTLY_OPEN = "CIRCUIT_PARTLY_OPEN";

	/** Description of {@link #CIRCUIT_PARTLY_OPEN}. */
	public static final String CIRCUIT_PARTLY_OPEN_DESCRIPTION = "Some Redis Cluster masters are considered unavailable: "
			+ "their keys' calls fail fast and their writes are queued; the other masters serve";

	/** Code of the status of a half-open circuit: probe calls test whether Redis is back. */
	public static final String CIRCUIT_HALF_OPEN = "CIRCUIT_HALF_OPEN";

	/** Description of {@link #CIRCUIT_HALF_OPEN}. */
	public static final String CIRCUIT_HALF_OPEN_DESCRIPTION = "Probe calls test whether Redis is back";

	private final AsyncResilientRedisTemplate template;

	private final CircuitBreaker circuitBreaker;

	@Nullable
	private final ClusterCircuitBreakers masters;

	@Nullable
	private final LatencyMonitor latencyMonitor;

	private final boolean downWhenOpen;

	@Nullable
	private final RecoveryJournal journal;

	/**
	 * Create a health check that reports, on Redis Cluster, the circuit of every master
	 * ({@code masters}: address, breaker, state, queued writes of its keys).
	 * @param template the template to report on
	 * @param circuitBreakers the breakers the template's commands go through
	 * @param latencyMonitor the background latency probe, if any
	 * @param downWhenOpen whether an open circuit, and a Redis the probe cannot reach,
	 * report {@code DOWN}
	 * @param journal the recovery journal, if any
	 */
	public AgentMemoryRedisHealth(AsyncResilientRedisTemplate template, CircuitBreakerRouting circuitBreakers,
			@Nullable LatencyMonitor latencyMonitor, boolean downWhenOpen, @Nullable RecoveryJournal journal) {
		Assert.notNull(template, "'template' must not be null");
		Assert.notNull(circuitBreakers, "'circuitBreakers' must not be null");
		this.template = template;
		this.circuitBreaker = circuitBreakers.keyless();
		this.masters = (circuitBreakers instanceof ClusterCircuitBreakers cluster) ? cluster : null;
		this.latencyMonitor = latencyMonitor;
		this.downWhenOpen = downWhenOpen;
		this.journal = journal;
	}

	/**
	 * The status and details now.
	 * @return the report
	 */
	public Report check() {
		Map<String, Object> details = new LinkedHashMap<>();
		CircuitBreaker breaker = this.circuitBreaker;
		CircuitBreaker.State state = breaker.getState();
		LatencyMonitor.Measurement probe = (this.latencyMonitor != null) ? this.latencyMonitor.getLast() : null;
		String status = status(state, probe);
		if (this.masters != null) {
			status = mastersStatus(details, status, probe);
		}
		if (probe != null && probe.result() == LatencyMonitor.Result.ACCESS_DENIED) {
			details.put("error", probe.error());
		}
		CircuitBreaker.Metrics metrics = breaker.getMetrics();
		details.put("circuitBreaker", breaker.getName());
		details.put("state", state);
		if (metrics.getFailureRate() >= 0) {
			details.put("failureRate", metrics.getFailureRate());
		}
		details.put("failureRateThreshold", breaker.getCircuitBreakerConfig().getFailureRateThreshold());
		details.put("bufferedCalls", metrics.getNumberOfBufferedCalls());
		details.put("failedCalls", metrics.getNumberOfFailedCalls());
		details.put("notPermittedCalls", metrics.getNumberOfNotPermittedCalls());
		RecoveryStats stats = this.template.recoveryStats();
		Map<String, Object> queue = new LinkedHashMap<>();
		queue.put("size", stats.totalSize());
		stats.size().forEach((priority, size) -> queue.put(priority.name(), size));
		details.put("recoveryQueue", queue);
		Map<String, Object> dropped = new LinkedHashMap<>();
		dropped.put("total", stats.totalDropped());
		stats.dropped().forEach((reason, count) -> {
			if (count > 0) {
				dropped.put(reason.name(), count);
			}
		});
		details.put("dropped", dropped);
		if (this.journal != null) {
			details.put("journal", journalDetails(this.journal.stats()));
		}
		if (probe != null) {
			Map<String, Object> latency = new LinkedHashMap<>();
			if (probe.latency() != null) {
				latency.put("millis", probe.latency().toNanos() / 1_000_000.0);
			}
			else {
				latency.put("unavailable", probe.error());
			}
			if (probe.measuredAt() > 0) {
				latency.put("measuredAt", Instant.ofEpochMilli(probe.measuredAt()).toString());
			}
			details.put("latency", latency);
		}
		return new Report(status, Collections.unmodifiableMap(details));
	}

	/**
	 * Report each master's circuit; while some are open and others serve, the status is
	 * {@link #CIRCUIT_PARTLY_OPEN}, when all are open the status of an open circuit.
	 */
	private String mastersStatus(Map<String, Object> details, String status,
			@Nullable LatencyMonitor.Measurement probe) {
		Map<String, CircuitBreaker> masters = this.masters.mastersWithBreakers();
		if (masters.isEmpty()) {
			return status;
		}
		Map<String, Integer> queued = this.template.queuedWritesByCircuitBreaker();
		Map<String, Object> circuits = new LinkedHashMap<>();
		int open = 0;
		for (Map.Entry<String, CircuitBreaker> master : masters.entrySet()) {
			CircuitBreaker breaker = master.getValue();
			CircuitBreaker.State state = breaker.getState();
			open += (state == CircuitBreaker.State.OPEN || state == CircuitBreaker.State.FORCED_OPEN) ? 1 : 0;
			Map<String, Object> circuit = new LinkedHashMap<>();
			circuit.put("circuitBreaker", breaker.getName());
			circuit.put("state", state);
			circuit.put("failedCalls", breaker.getMetrics().getNumberOfFailedCalls());
			circuit.put("notPermittedCalls", breaker.getMetrics().getNumberOfNotPermittedCalls());
			circuit.put("queuedWrites", queued.getOrDefault(breaker.getName(), 0));
			circuits.put(master.getKey(), circuit);
		}
		details.put("masters", circuits);
		if (probe != null && probe.result() == LatencyMonitor.Result.ACCESS_DENIED) {
			return status;
		}
		if (open == masters.size()) {
			return unavailable();
		}
		return (open > 0) ? CIRCUIT_PARTLY_OPEN : status;
	}

	private static Map<String, Object> journalDetails(JournalStats stats) {
		Map<String, Object> journal = new LinkedHashMap<>();
		journal.put("entries", stats.entries());
		journal.put("bytes", stats.bytes());
		journal.put("oldestEntryAgeMillis", stats.oldestEntryAge(Instant.now()).toMillis());
		journal.put("commitLatencyMillis", stats.averageCommitLatency().toNanos() / 1_000_000.0);
		journal.put("recovered", stats.recovered());
		journal.put("corrupt", stats.corruptRecords() + stats.tornTailFrames());
		journal.put("full", stats.fullRejections());
		journal.put("writeFailures", stats.writeFailures());
		return journal;
	}

	private String status(CircuitBreaker.State state, @Nullable LatencyMonitor.Measurement probe) {
		LatencyMonitor.Result seen = (probe != null) ? probe.result() : LatencyMonitor.Result.ANSWERED;
		if (seen == LatencyMonitor.Result.ACCESS_DENIED) {
			return DOWN;
		}
		return switch (state) {
			case OPEN -> unavailable();
			case HALF_OPEN -> CIRCUIT_HALF_OPEN;
			case CLOSED -> switch (seen) {
				case UNREACHABLE -> unavailable();
				case NOT_MEASURED -> UNKNOWN;
				default -> UP;
			};
			default -> UNKNOWN;
		};
	}

	private String unavailable() {
		return this.downWhenOpen ? DOWN : CIRCUIT_OPEN;
	}

	/**
	 * A health check's result.
	 *
	 * @param status the status code: {@link #UP}, {@link #DOWN}, {@link #UNKNOWN},
	 * {@link #CIRCUIT_OPEN}, {@link #CIRCUIT_PARTLY_OPEN} or {@link #CIRCUIT_HALF_OPEN}
	 * @param details the details, in the order they are shown (unmodifiable)
	 */
	public record Report(String status, Map<String, Object> details) {

	}

}
