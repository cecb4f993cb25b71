-- A turn closed without the agent because the conversation went to staff (a customer message that
-- arrived after the 24 h window): recorded as what happened, not as completed or failed.
ALTER TYPE "AgentTurnStatus" ADD VALUE IF NOT EXISTS 'handed_off';
