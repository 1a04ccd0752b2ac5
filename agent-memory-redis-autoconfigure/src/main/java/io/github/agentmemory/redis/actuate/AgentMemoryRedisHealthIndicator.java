package io.github.agentmemory.redis.actuate;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.recovery.RecoveryStats;
import io.github.agentmemory.redis.recovery.journal.JournalStats;
import io.github.agentmemory.redis.recovery.journal.RecoveryJournal;
import io.github.agentmemory.redis.resilience.CircuitBreakerRouting;
import io.github.agentmemory.redis.resilience.ClusterCircuitBreakers;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;

import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;
import org.springframework.lang.Nullable;
import org.springframework.util.Assert;

/**
 * Health of the resilient Redis template, from in-memory state only (a health request
 * never waits on Redis): the circuit breaker's state and metrics, the recovery queue, and
 * the latest result of the background latency probe.
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
 * <li>a circuit forced open, disabled or only recording metrics: {@code UNKNOWN}, as
 * Resilience4j's own indicator reports them;</li>
 * <li>a closed circuit before the first probe has completed: {@code UNKNOWN};</li>
 * <li>otherwise {@code UP}.</li>
 * </ul>
 * {@link #CIRCUIT_OPEN} and {@link #CIRCUIT_HALF_OPEN} are not in Boot's default status
 * order, so they do not take the application out of service (it still serves, and writes
 * are queued).
 *
 * @author agent-memory-redis
 */
public class AgentMemoryRedisHealthIndicator extends AbstractHealthIndicator {

	/** Status of an open circuit: calls are rejected without reaching Redis. */
	public static final Status CIRCUIT_OPEN = new Status("CIRCUIT_OPEN",
			"Redis is considered unavailable: calls fail fast and writes are queued");

	/**
	 * Status of a Redis Cluster some of whose masters' circuits are open: their keys'
	 * calls fail fast and their writes are queued, the other masters' keys are served.
	 */
	public static final Status CIRCUIT_PARTLY_OPEN = new Status("CIRCUIT_PARTLY_OPEN",
			"Some Redis Cluster masters are considered unavailable: their keys' calls fail fast and their writes "
					+ "are queued; the other masters serve");

	/** Status of a half-open circuit: probe calls test whether Redis is back. */
	public static final Status CIRCUIT_HALF_OPEN = new Status("CIRCUIT_HALF_OPEN",
			"Probe calls test whether Redis is back");

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
	 * Create an indicator.
	 * @param template the template to report on
	 * @param circuitBreaker the breaker the template's commands go through
	 * @param latencyMonitor the background latency probe, if any
	 * @param downWhenOpen whether an open circuit, and a Redis the probe cannot reach,
	 * report {@code DOWN}
	 */
	public AgentMemoryRedisHealthIndicator(AsyncResilientRedisTemplate template, CircuitBreaker circuitBreaker,
			@Nullable LatencyMonitor latencyMonitor, boolean downWhenOpen) {
		this(template, circuitBreaker, latencyMonitor, downWhenOpen, null);
	}

	/**
	 * Create an indicator that also reports the recovery journal.
	 * @param template the template to report on
	 * @param circuitBreaker the breaker the template's commands go through
	 * @param latencyMonitor the background latency probe, if any
	 * @param downWhenOpen whether an open circuit, and a Redis the probe cannot reach,
	 * report {@code DOWN}
	 * @param journal the recovery journal, if any
	 */
	public AgentMemoryRedisHealthIndicator(AsyncResilientRedisTemplate template, CircuitBreaker circuitBreaker,
			@Nullable LatencyMonitor latencyMonitor, boolean downWhenOpen, @Nullable RecoveryJournal journal) {
		this(template, CircuitBreakerRouting.single(circuitBreaker), latencyMonitor, downWhenOpen, journal);
	}

	/**
	 * Create an indicator that reports, on Redis Cluster, the circuit of every master
	 * ({@code masters}: address, breaker, state, queued writes of its keys). The status is
	 * {@link #CIRCUIT_PARTLY_OPEN} while some masters' circuits are open and others are
	 * not (also with {@code downWhenOpen}: the application still serves the keys of the
	 * other masters), and as above when all are open or none is.
	 * @param template the template to report on
	 * @param circuitBreakers the breakers the template's commands go through
	 * @param latencyMonitor the background latency probe, if any
	 * @param downWhenOpen whether an open circuit, and a Redis the probe cannot reach,
	 * report {@code DOWN}
	 * @param journal the recovery journal, if any
	 */
	public AgentMemoryRedisHealthIndicator(AsyncResilientRedisTemplate template,
			CircuitBreakerRouting circuitBreakers, @Nullable LatencyMonitor latencyMonitor, boolean downWhenOpen,
			@Nullable RecoveryJournal journal) {
		super("Agent memory Redis health check failed");
		Assert.notNull(template, "'template' must not be null");
		Assert.notNull(circuitBreakers, "'circuitBreakers' must not be null");
		this.template = template;
		this.circuitBreaker = circuitBreakers.keyless();
		this.masters = (circuitBreakers instanceof ClusterCircuitBreakers cluster) ? cluster : null;
		this.latencyMonitor = latencyMonitor;
		this.downWhenOpen = downWhenOpen;
		this.journal = journal;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		CircuitBreaker breaker = this.circuitBreaker;
		CircuitBreaker.State state = breaker.getState();
		LatencyMonitor.Measurement probe = (this.latencyMonitor != null) ? this.latencyMonitor.getLast() : null;
		Status status = status(state, probe);
		if (this.masters != null) {
			status = mastersStatus(builder, status, probe);
		}
		builder.status(status);
		if (probe != null && probe.result() == LatencyMonitor.Result.ACCESS_DENIED) {
			builder.withDetail("error", probe.error());
		}
		CircuitBreaker.Metrics metrics = breaker.getMetrics();
		builder.withDetail("circuitBreaker", breaker.getName()).withDetail("state", state);
		if (metrics.getFailureRate() >= 0) {
			builder.withDetail("failureRate", metrics.getFailureRate());
		}
		builder.withDetail("failureRateThreshold", breaker.getCircuitBreakerConfig().getFailureRateThreshold())
			.withDetail("bufferedCalls", metrics.getNumberOfBufferedCalls())
			.withDetail("failedCalls", metrics.getNumberOfFailedCalls())
			.withDetail("notPermittedCalls", metrics.getNumberOfNotPermittedCalls());
		RecoveryStats stats = this.template.recoveryStats();
		Map<String, Object> queue = new LinkedHashMap<>();
		queue.put("size", stats.totalSize());
		stats.size().forEach((priority, size) -> queue.put(priority.name(), size));
		builder.withDetail("recoveryQueue", queue);
		Map<String, Object> dropped = new LinkedHashMap<>();
		dropped.put("total", stats.totalDropped());
		stats.dropped().forEach((reason, count) -> {
			if (count > 0) {
				dropped.put(reason.name(), count);
			}
		});
		builder.withDetail("dropped", dropped);
		if (this.journal != null) {
			builder.withDetail("journal", journalDetails(this.journal.stats()));
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
			builder.withDetail("latency", latency);
		}
	}

	/**
	 * Report each master's circuit; while some are open and others serve, the status is
	 * {@link #CIRCUIT_PARTLY_OPEN}, when all are open the status of an open circuit.
	 */
	private Status mastersStatus(Health.Builder builder, Status status,
			@Nullable LatencyMonitor.Measurement probe) {
		Map<String, CircuitBreaker> masters = this.masters.mastersWithBreakers();
		if (masters.isEmpty()) {
			return status;
		}
		Map<String, Integer> queued = this.template.queuedWritesByCircuitBreaker();
		Map<String, Object> details = new LinkedHashMap<>();
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
			details.put(master.getKey(), circuit);
		}
		builder.withDetail("masters", details);
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

	private Status status(CircuitBreaker.State state, @Nullable LatencyMonitor.Measurement probe) {
		LatencyMonitor.Result seen = (probe != null) ? probe.result() : LatencyMonitor.Result.ANSWERED;
		if (seen == LatencyMonitor.Result.ACCESS_DENIED) {
			return Status.DOWN;
		}
		return switch (state) {
			case OPEN -> unavailable();
			case HALF_OPEN -> CIRCUIT_HALF_OPEN;
			case CLOSED -> switch (seen) {
				case UNREACHABLE -> unavailable();
				case NOT_MEASURED -> Status.UNKNOWN;
				default -> Status.UP;
			};
			default -> Status.UNKNOWN;
		};
	}

	private Status unavailable() {
		return this.downWhenOpen ? Status.DOWN : CIRCUIT_OPEN;
	}

}
