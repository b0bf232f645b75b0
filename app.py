from exhibition import create_app

app = create_app()
