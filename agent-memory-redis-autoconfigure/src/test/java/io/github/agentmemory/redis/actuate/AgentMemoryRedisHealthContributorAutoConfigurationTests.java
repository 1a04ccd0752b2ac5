package io.github.agentmemory.redis.actuate;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.agentmemory.redis.AsyncResilientRedisTemplate;
import io.github.agentmemory.redis.autoconfigure.AgentMemoryRedisHealthContributorAutoConfiguration;
import io.github.agentmemory.redis.autoconfigure.AgentMemoryRedisMetricsAutoConfiguration;
import io.github.agentmemory.redis.resilience.ResilienceScheduler;
import io.github.agentmemory.redis.test.BootLine;
import io.github.agentmemory.redis.test.TemplateContexts;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.RedisConnectionFailureException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link AgentMemoryRedisHealthContributorAutoConfiguration} and
 * {@link AgentMemoryRedisMetricsAutoConfiguration}.
 */
class AgentMemoryRedisHealthContributorAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = TemplateContexts.runner()
		.withPropertyValues("spring.data.redis.port=1", "agent-memory.redis.health.latency-interval=1h")
		.withConfiguration(AutoConfigurations.of(AgentMemoryRedisHealthContributorAutoConfiguration.class,
				AgentMemoryRedisMetricsAutoConfiguration.class));

	@Test
	void runShouldCreateIndicatorAndLatencyMonitor() {
		this.contextRunner.run((context) -> assertThat(context).hasSingleBean(AgentMemoryRedisHealthIndicator.class)
			.hasBean("agentMemoryRedisHealthIndicator")
			.hasSingleBean(LatencyMonitor.class));
	}

	@Test
	void runWhenDisabledShouldNotCreateIndicator() {
		this.contextRunner.withPropertyValues("management.health.agent-memory-redis.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(AgentMemoryRedisHealthIndicator.class)
				.doesNotHaveBean(LatencyMonitor.class));
	}

	@Test
	void runWhenAllDefaultIndicatorsAreDisabledShouldNotCreateIndicator() {
		this.contextRunner.withPropertyValues("management.health.defaults.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(AgentMemoryRedisHealthIndicator.class));
	}

	@Test
	void runWithoutActuatorShouldNotCreateIndicator() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(BootLine.HEALTH_INDICATOR))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(AsyncResilientRedisTemplate.class)
				.doesNotHaveBean(AgentMemoryRedisHealthIndicator.class));
	}

	@Test
	void runWithoutTemplateShouldNotCreateIndicator() {
		this.contextRunner.withPropertyValues("agent-memory.redis.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(AgentMemoryRedisHealthIndicator.class));
	}

	@Test
	void runWithCustomIndicatorShouldBackOff() {
		this.contextRunner
			.withBean("agentMemoryRedisHealthIndicator", Object.class, () -> BootLine.upIndicator("custom"))
			.run((context) -> {
				assertThat(context).doesNotHaveBean(AgentMemoryRedisHealthIndicator.class);
				assertThat(BootLine.health(context, "agentMemoryRedisHealthIndicator").getDetails())
					.containsEntry("custom", true);
			});
	}

	@Test
	void unreachableRedisWithoutTrafficIsReportedLikeAnOpenCircuit() {
		this.contextRunner.run((context) -> {
			AgentMemoryRedisHealthIndicator indicator = context.getBean(AgentMemoryRedisHealthIndicator.class);
			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(indicator.health().getStatus())
					.isEqualTo(AgentMemoryRedisHealthIndicator.CIRCUIT_OPEN));
			var health = indicator.health();
			assertThat(health.getDetails()).containsEntry("state", CircuitBreaker.State.CLOSED)
				.containsEntry("bufferedCalls", 0)
				.containsKeys("recoveryQueue", "dropped");
			assertThat(health.getDetails().get("latency")).asString().contains("unavailable");
		});
	}

	@Test
	void unreachableRedisWithoutTrafficIsDownWhenConfigured() {
		this.contextRunner.withPropertyValues("agent-memory.redis.health.down-when-open=true").run((context) -> {
			AgentMemoryRedisHealthIndicator indicator = context.getBean(AgentMemoryRedisHealthIndicator.class);
			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(indicator.health().getStatus()).isEqualTo(BootLine.DOWN));
		});
	}

	@Test
	void closedCircuitBeforeTheFirstProbeIsUnknown() {
		this.contextRunner.run((context) -> {
			AsyncResilientRedisTemplate template = context.getBean(AsyncResilientRedisTemplate.class);
			LatencyMonitor notStarted = new LatencyMonitor(template,
					context.getBean(ResilienceScheduler.class).getExecutor(), Duration.ofHours(1));
			var health = new AgentMemoryRedisHealthIndicator(template, context.getBean(CircuitBreaker.class), notStarted, false).health();
			assertThat(health.getStatus()).isEqualTo(BootLine.UNKNOWN);
			assertThat(health.getDetails().get("latency")).asString().contains("not measured yet");
		});
	}

	@Test
	void failureRateIsANumberOrAbsentAndTheThresholdIsShown() {
		this.contextRunner.run((context) -> {
			AsyncResilientRedisTemplate template = context.getBean(AsyncResilientRedisTemplate.class);
			AgentMemoryRedisHealthIndicator indicator = context.getBean(AgentMemoryRedisHealthIndicator.class);
			assertThat(indicator.health().getDetails()).doesNotContainKey("failureRate")
				.containsEntry("failureRateThreshold", 100.0f);
			CircuitBreaker breaker = context.getBean(CircuitBreaker.class);
			for (int i = 0; i < breaker.getCircuitBreakerConfig().getMinimumNumberOfCalls(); i++) {
				breaker.onError(0, TimeUnit.MILLISECONDS, new RedisConnectionFailureException("down"));
			}
			assertThat(indicator.health().getDetails()).containsEntry("failureRate", 100.0f)
				.containsEntry("failedCalls", 3);
		});
	}

	@Test
	void openCircuitIsVisibleButNotDownByDefault() {
		this.contextRunner.run((context) -> {
			context.getBean(CircuitBreaker.class).transitionToOpenState();
			var health = context.getBean(AgentMemoryRedisHealthIndicator.class).health();
			assertThat(health.getStatus()).isEqualTo(AgentMemoryRedisHealthIndicator.CIRCUIT_OPEN);
		});
	}

	@Test
	void openCircuitIsDownWhenConfigured() {
		this.contextRunner.withPropertyValues("agent-memory.redis.health.down-when-open=true").run((context) -> {
			context.getBean(CircuitBreaker.class).transitionToOpenState();
			assertThat(context.getBean(AgentMemoryRedisHealthIndicator.class).health().getStatus())
				.isEqualTo(BootLine.DOWN);
		});
	}

	@Test
	void halfOpenCircuitIsReportedAsSuch() {
		this.contextRunner.run((context) -> {
			var breaker = context.getBean(CircuitBreaker.class);
			breaker.transitionToOpenState();
			breaker.transitionToHalfOpenState();
			assertThat(context.getBean(AgentMemoryRedisHealthIndicator.class).health().getStatus())
				.isEqualTo(AgentMemoryRedisHealthIndicator.CIRCUIT_HALF_OPEN);
		});
	}

	@ParameterizedTest
	@EnumSource(value = CircuitBreaker.State.class, names = { "FORCED_OPEN", "DISABLED", "METRICS_ONLY" })
	void circuitForcedOpenDisabledOrOnlyRecordingMetricsIsUnknownAsInResilience4j(CircuitBreaker.State state) {
		this.contextRunner.withPropertyValues("agent-memory.redis.health.down-when-open=true").run((context) -> {
			CircuitBreaker breaker = context.getBean(CircuitBreaker.class);
			switch (state) {
				case FORCED_OPEN -> breaker.transitionToForcedOpenState();
				case DISABLED -> breaker.transitionToDisabledState();
				default -> breaker.transitionToMetricsOnlyState();
			}
			var health = context.getBean(AgentMemoryRedisHealthIndicator.class).health();
			assertThat(health.getStatus()).isEqualTo(BootLine.UNKNOWN);
			assertThat(health.getDetails()).containsEntry("state", state);
		});
	}

	@Test
	void runWithMeterRegistryShouldRegisterQueueMeters() {
		this.contextRunner.withBean(MeterRegistry.class, SimpleMeterRegistry::new).run((context) -> {
			assertThat(context).hasSingleBean(AgentMemoryRedisMetrics.class);
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			context.getBean(AgentMemoryRedisMetrics.class).bindTo(registry);
			assertThat(registry.get("agent.memory.redis.recovery.queue.size").tag("priority", "HIGH").gauge().value())
				.isZero();
			assertThat(registry.get("agent.memory.redis.recovery.enqueued").tag("priority", "NORMAL").counter().count())
				.isZero();
		});
	}

	@Test
	void runWithoutMeterRegistryShouldNotCreateMetrics() {
		this.contextRunner.run((context) -> assertThat(context).doesNotHaveBean(AgentMemoryRedisMetrics.class));
	}

	@Test
	void runWithoutMicrometerShouldNotCreateMetrics() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(MeterRegistry.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(AgentMemoryRedisMetrics.class));
	}

}
