from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "pep_portal.security"
    verbose_name = "Sign-in security"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from . import signin

        # Every way of signing in (the form, single sign-on) starts the absolute lifetime.
        user_logged_in.connect(signin.stamp_sign_in, dispatch_uid="pep-security-stamp")
