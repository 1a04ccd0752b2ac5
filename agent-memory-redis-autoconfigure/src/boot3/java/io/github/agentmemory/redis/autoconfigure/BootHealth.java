package io.github.agentmemory.redis.autoconfigure;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.actuate.autoconfigure.health.ConditionalOnEnabledHealthIndicator;

/**
 * What the shared auto-configuration needs of Spring Boot 3.5's health support, which
 * lives in {@code org.springframework.boot.actuate.health} (Boot 4 moved it to
 * {@code org.springframework.boot.health}). Boot 4.1's line has a class of the same name
 * and members.
 *
 * @author agent-memory-redis
 */
final class BootHealth {

	/** Boot's {@code HealthIndicator}: the health auto-configuration needs it. */
	static final String HEALTH_INDICATOR = "org.springframework.boot.actuate.health.HealthIndicator";

	private BootHealth() {
	}

	/**
	 * Boot's {@link ConditionalOnEnabledHealthIndicator} for
	 * {@code management.health.agent-memory-redis.enabled}.
	 */
	@Target(ElementType.TYPE)
	@Retention(RetentionPolicy.RUNTIME)
	@Documented
	@ConditionalOnEnabledHealthIndicator("agent-memory-redis")
	@interface ConditionalOnEnabledAgentMemoryRedisHealth {

	}

}
