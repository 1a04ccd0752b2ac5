package io.github.agentmemory.redis.actuate;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.recovery.journal.RecoveryJournal;
import io.github.agentmemory.redis.resilience.CircuitBreakerRouting;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.lang.Nullable;

/**
 * Health of the resilient Redis template for Spring Boot 4.1's health support: the status and
 * details of {@link AgentMemoryRedisHealth} (which see for how the status follows the
 * circuit breaker and the latency probe), from in-memory state only.
 * {@link #CIRCUIT_OPEN}, {@link #CIRCUIT_PARTLY_OPEN} and {@link #CIRCUIT_HALF_OPEN} are
 * not in Boot's default status order, so they do not take the application out of service
 * (it still serves, and writes are queued).
 *
 * <p>
 * Boot 3.5's line (agent-memory-redis-autoconfigure) has a class of the same name
 * over Boot 3's health API; both only adapt {@link AgentMemoryRedisHealth}.
 *
 * @author agent-memory-redis
 */
public class AgentMemoryRedisHealthIndicator extends AbstractHealthIndicator {

	/** Status of an open circuit: calls are rejected without reaching Redis. */
	public static final Status CIRCUIT_OPEN = new Status(AgentMemoryRedisHealth.CIRCUIT_OPEN,
			AgentMemoryRedisHealth.CIRCUIT_OPEN_DESCRIPTION);

	/**
	 * Status of a Redis Cluster some of whose masters' circuits are open: their keys'
	 * calls fail fast and their writes are queued, the other masters' keys are served.
	 */
	public static final Status CIRCUIT_PARTLY_OPEN = new Status(AgentMemoryRedisHealth.CIRCUIT_PARTLY_OPEN,
			AgentMemoryRedisHealth.CIRCUIT_PARTLY_OPEN_DESCRIPTION);

	/** Status of a half-open circuit: probe calls test whether Redis is back. */
	public static final Status CIRCUIT_HALF_OPEN = new Status(AgentMemoryRedisHealth.CIRCUIT_HALF_OPEN,
			AgentMemoryRedisHealth.CIRCUIT_HALF_OPEN_DESCRIPTION);

	private final AgentMemoryRedisHealth health;

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
		this.health = new AgentMemoryRedisHealth(template, circuitBreakers, latencyMonitor, downWhenOpen, journal);
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		AgentMemoryRedisHealth.Report report = this.health.check();
		builder.status(status(report.status())).withDetails(report.details());
	}

	private static Status status(String code) {
		return switch (code) {
			case AgentMemoryRedisHealth.UP -> Status.UP;
			case AgentMemoryRedisHealth.DOWN -> Status.DOWN;
			case AgentMemoryRedisHealth.CIRCUIT_OPEN -> CIRCUIT_OPEN;
			case AgentMemoryRedisHealth.CIRCUIT_PARTLY_OPEN -> CIRCUIT_PARTLY_OPEN;
			case AgentMemoryRedisHealth.CIRCUIT_HALF_OPEN -> CIRCUIT_HALF_OPEN;
			default -> Status.UNKNOWN;
		};
	}

}
