package io.github.agentmemory.redis.actuate;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.recovery.RecoveryStats;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;

import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;
import org.springframework.lang.Nullable;
import org.springframework.util.Assert;

/**
 * Health of the resilient Redis template, from in-memory state only (a health request
 * never waits on Redis): the circuit breaker's state and metrics, the recovery queue, and
 * the latest latency measured in the background.
 *
 * <p>
 * A closed circuit is {@code UP}. An open circuit is {@link #CIRCUIT_OPEN} and a
 * half-open one {@link #CIRCUIT_HALF_OPEN}: visible at {@code /actuator/health}, but not
 * in Boot's default status order, so they do not take the application out of service
 * (it still serves, and writes are queued). With {@code downWhenOpen} an open circuit
 * reports {@code DOWN} instead.
 *
 * @author agent-memory-redis
 */
public class AgentMemoryRedisHealthIndicator extends AbstractHealthIndicator {

	/** Status of an open circuit: calls are rejected without reaching Redis. */
	public static final Status CIRCUIT_OPEN = new Status("CIRCUIT_OPEN",
			"Redis is considered unavailable: calls fail fast and writes are queued");

	/** Status of a half-open circuit: probe calls test whether Redis is back. */
	public static final Status CIRCUIT_HALF_OPEN = new Status("CIRCUIT_HALF_OPEN",
			"Probe calls test whether Redis is back");

	private final AsyncResilientRedisTemplate template;

	private final CircuitBreaker circuitBreaker;

	@Nullable
	private final LatencyMonitor latencyMonitor;

	private final boolean downWhenOpen;

	/**
	 * Create an indicator.
	 * @param template the template to report on
	 * @param circuitBreaker the breaker the template's commands go through
	 * @param latencyMonitor the background latency probe, if any
	 * @param downWhenOpen whether an open circuit reports {@code DOWN}
	 */
	public AgentMemoryRedisHealthIndicator(AsyncResilientRedisTemplate template, CircuitBreaker circuitBreaker,
			@Nullable LatencyMonitor latencyMonitor, boolean downWhenOpen) {
		super("Agent memory Redis health check failed");
		Assert.notNull(template, "'template' must not be null");
		Assert.notNull(circuitBreaker, "'circuitBreaker' must not be null");
		this.template = template;
		this.circuitBreaker = circuitBreaker;
		this.latencyMonitor = latencyMonitor;
		this.downWhenOpen = downWhenOpen;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		CircuitBreaker breaker = this.circuitBreaker;
		CircuitBreaker.State state = breaker.getState();
		builder.status(status(state));
		CircuitBreaker.Metrics metrics = breaker.getMetrics();
		builder.withDetail("circuitBreaker", breaker.getName())
			.withDetail("state", state)
			.withDetail("failureRate", rate(metrics.getFailureRate()))
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
		if (this.latencyMonitor != null) {
			LatencyMonitor.Measurement last = this.latencyMonitor.getLast();
			Map<String, Object> latency = new LinkedHashMap<>();
			if (last.latency() != null) {
				latency.put("millis", last.latency().toNanos() / 1_000_000.0);
			}
			else {
				latency.put("unavailable", last.error());
			}
			if (last.measuredAt() > 0) {
				latency.put("measuredAt", Instant.ofEpochMilli(last.measuredAt()).toString());
			}
			builder.withDetail("latency", latency);
		}
	}

	private Status status(CircuitBreaker.State state) {
		return switch (state) {
			case OPEN, FORCED_OPEN -> this.downWhenOpen ? Status.DOWN : CIRCUIT_OPEN;
			case HALF_OPEN -> CIRCUIT_HALF_OPEN;
			default -> Status.UP;
		};
	}

	private static Object rate(float rate) {
		return (rate < 0) ? "not enough calls" : rate + "%";
	}

}
