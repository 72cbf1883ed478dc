-- What a provincial or national 好差评 system identifies the rated party and the service channel
-- by, copied at rating time beside what 0080 keeps (issue 16, the forwarding of ratings):
-- staff_username, the login name (工号) of the staff member who took the final step for the
-- department; org_credit_code, the unified social credit code (统一社会信用代码) of the
-- organization that handled delegated work; application_channel, the channel the application
-- came through (服务渠道): every application of this backend is made online, so 'online'
-- today, a column so that counter (窗口) applications can say otherwise later. The ratings'
-- own channel (app, wechat, web) stays the channel of the rating (评价渠道).
ALTER TABLE ratings
    ADD COLUMN staff_username VARCHAR(64) NULL AFTER staff_id,
    ADD COLUMN org_credit_code CHAR(18) NULL AFTER org_id,
    ADD COLUMN application_channel VARCHAR(16) NOT NULL DEFAULT 'online' AFTER channel;
