from backend.config.services import SERVICES

endpoint = f"http://{SERVICES.LOCALSTACK}:{SERVICES.LOCALSTACK_PORT}/custom"
cache_url = SERVICES.get_service_url("REDIS")
