from flask import render_template

from public import bp


@bp.route("/")
def home():
    return render_template("public/home.html")
