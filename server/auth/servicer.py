"""fingate.auth.v1.AuthService: proto in → domain call → proto out."""

from __future__ import annotations

from typing import Any

import grpc

from fingate.auth.v1 import auth_service_pb2 as pb
from fingate.auth.v1 import auth_service_pb2_grpc, user_pb2
from fingate.common.v1 import notice_pb2
from server.auth import convert, cookies
from server.auth.domain import Auth, SessionTokens, SignUpInput
from server.platform.context import add_response_header, current_call, principal

Ctx = grpc.aio.ServicerContext[Any, Any]


class AuthServicer(auth_service_pb2_grpc.AuthServiceServicer):
    def __init__(self, auth: Auth):
        self._auth = auth

    def _set_refresh_cookie(self, tokens: SessionTokens) -> None:
        max_age = self._auth.settings.refresh_token_ttl_s
        add_response_header("set-cookie", cookies.set_cookie(tokens.refresh_token, max_age=max_age))

    async def SignUp(self, request: pb.SignUpRequest, context: Ctx) -> pb.SignUpResponse:
        user, tokens = await self._auth.sign_up(
            SignUpInput(
                email=request.email,
                password=request.password,
                first_name=request.first_name,
                last_name=request.last_name,
                phone=request.phone,
                date_of_birth=request.date_of_birth,
            )
        )
        self._set_refresh_cookie(tokens)
        data = pb.SignUpData(
            user=convert.auth_user(user, with_created_at=True), session=convert.session(tokens)
        )
        return pb.SignUpResponse(success=True, data=data)

    async def SignIn(self, request: pb.SignInRequest, context: Ctx) -> pb.SignInResponse:
        user, tokens = await self._auth.sign_in(email=request.email, password=request.password)
        self._set_refresh_cookie(tokens)
        data = pb.SignInData(
            user=convert.auth_user(user, with_created_at=False), session=convert.session(tokens)
        )
        return pb.SignInResponse(success=True, data=data)

    async def GetCurrentUser(
        self, request: pb.GetCurrentUserRequest, context: Ctx
    ) -> pb.GetCurrentUserResponse:
        user = await self._auth.current_user(principal())
        return pb.GetCurrentUserResponse(success=True, data=convert.profile(user))

    async def RefreshSession(
        self, request: pb.RefreshSessionRequest, context: Ctx
    ) -> pb.RefreshSessionResponse:
        token = cookies.read_cookie(current_call().headers("cookie")) or request.refresh_token
        tokens = await self._auth.refresh(token)
        self._set_refresh_cookie(tokens)
        return pb.RefreshSessionResponse(success=True, data=convert.session(tokens))

    async def SignOut(self, request: pb.SignOutRequest, context: Ctx) -> pb.SignOutResponse:
        await self._auth.sign_out(principal())
        add_response_header("set-cookie", cookies.clear_cookie())
        notice = notice_pb2.Notice(message="Logged out successfully")
        return pb.SignOutResponse(success=True, data=notice)

    async def VerifyEmail(
        self, request: pb.VerifyEmailRequest, context: Ctx
    ) -> pb.VerifyEmailResponse:
        user_id = await self._auth.verify_email(request.token)
        data = pb.VerifyEmailData(
            user=user_pb2.VerifiedUser(id=str(user_id), email_verified=True),
            message="Email verified successfully",
        )
        return pb.VerifyEmailResponse(success=True, data=data)

    async def ForgotPassword(
        self, request: pb.ForgotPasswordRequest, context: Ctx
    ) -> pb.ForgotPasswordResponse:
        await self._auth.forgot_password(request.email)
        notice = notice_pb2.Notice(message="Password reset email sent")
        return pb.ForgotPasswordResponse(success=True, data=notice)

    async def ResetPassword(
        self, request: pb.ResetPasswordRequest, context: Ctx
    ) -> pb.ResetPasswordResponse:
        await self._auth.reset_password(token=request.token, password=request.password)
        notice = notice_pb2.Notice(message="Password reset successfully")
        return pb.ResetPasswordResponse(success=True, data=notice)
