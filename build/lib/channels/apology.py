"""The words of the apology a citizen gets when no answer can come: from the REST channel inside Rasa when the
action server fails, and from the web gateway when Rasa itself does not answer. No Rasa imports, so that the
gateway (another Python) shares them."""
APOLOGY = "抱歉，服务暂时不可用，请稍后再试。"
