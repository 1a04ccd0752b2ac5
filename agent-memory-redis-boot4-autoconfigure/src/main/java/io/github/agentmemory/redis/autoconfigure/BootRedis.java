package io.github.agentmemory.redis.autoconfigure;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.data.redis.autoconfigure.ClientResourcesBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.DataRedisProperties;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientConfigurationBuilderCustomizer;
import org.springframework.boot.data.redis.autoconfigure.LettuceClientOptionsBuilderCustomizer;

/**
 * What the shared auto-configuration needs of Spring Boot 4.1's Redis support (module
 * spring-boot-data-redis), whose types live in
 * {@code org.springframework.boot.data.redis.autoconfigure} (Boot 3.5 had them in
 * {@code org.springframework.boot.autoconfigure.data.redis}, with {@code RedisProperties}
 * for {@link DataRedisProperties}). Boot 3.5's line has a class of the same name and
 * members; the shared sources use only these.
 *
 * <p>
 * The customizer interfaces extend Boot's, so a bean declared as one of them is one of
 * Boot's customizers: Boot's {@code LettuceConnectionConfiguration} applies it like any
 * other.
 *
 * @author agent-memory-redis
 */
final class BootRedis {

	private BootRedis() {
	}

	/** Boot's {@link LettuceClientOptionsBuilderCustomizer}, under a name both lines share. */
	interface ClientOptionsCustomizer extends LettuceClientOptionsBuilderCustomizer {

	}

	/** Boot's {@link LettuceClientConfigurationBuilderCustomizer}, under a name both lines share. */
	interface ClientConfigurationCustomizer extends LettuceClientConfigurationBuilderCustomizer {

	}

	/** Boot's {@link ClientResourcesBuilderCustomizer}, under a name both lines share. */
	interface ClientResourcesCustomizer extends ClientResourcesBuilderCustomizer {

	}

	/**
	 * {@code spring.data.redis.timeout} and {@code spring.data.redis.connect-timeout} as
	 * Boot bound them, each {@code null} when not set or when there is no
	 * {@link DataRedisProperties} bean.
	 * @param beanFactory the application's bean factory
	 * @return the timeouts
	 */
	static RedisTimeouts timeouts(BeanFactory beanFactory) {
		DataRedisProperties properties = beanFactory.getBeanProvider(DataRedisProperties.class).getIfAvailable();
		return (properties != null) ? new RedisTimeouts(properties.getTimeout(), properties.getConnectTimeout())
				: RedisTimeouts.NONE;
	}

}
