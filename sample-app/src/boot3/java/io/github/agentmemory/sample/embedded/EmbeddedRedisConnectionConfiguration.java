package io.github.agentmemory.sample.embedded;

import org.springframework.boot.autoconfigure.data.redis.RedisConnectionDetails;
import org.springframework.context.annotation.Bean;

/**
 * Points Spring Boot 3.5's Redis connection at the embedded server with a
 * {@link RedisConnectionDetails} bean (Boot 4.1 renamed the type {@code DataRedisConnectionDetails}: the default profile
 * compiles this class, {@code -Pboot4} its twin in src/boot4/java). Imported by {@link EmbeddedRedisConfiguration}, and only
 * then: it is no {@code @Configuration}, so component scanning does not pick it up when the
 * embedded server is switched off.
 */
class EmbeddedRedisConnectionConfiguration {

	@Bean
	RedisConnectionDetails embeddedRedisConnectionDetails(EmbeddedRedis embeddedRedis) {
		return new RedisConnectionDetails() {

			@Override
			public Standalone getStandalone() {
				return Standalone.of("127.0.0.1", embeddedRedis.getPort());
			}

		};
	}

}
